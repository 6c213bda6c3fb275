/** The same-node shared-memory transport: a memory-mapped ring per receiver. Not an API. */
@NullMarked
package io.nemospawn.transport.internal.shm;

import org.jspecify.annotations.NullMarked;
