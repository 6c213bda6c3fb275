/** The file transport and the durable inbox files every transport writes through. Not an API. */
@NullMarked
package io.nemospawn.transport.internal.file;

import org.jspecify.annotations.NullMarked;
