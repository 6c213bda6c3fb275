/** The same-node shared-memory transport: a memory-mapped ring per receiver. Not an API. */
package io.nemospawn.transport.internal.shm;
