/** The file transport and the durable inbox files every transport writes through. Not an API. */
package io.nemospawn.transport.internal.file;
