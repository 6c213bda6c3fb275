/** The file-backed implementation of the API. Internal: no compatibility promise. */
@NullMarked
package io.nemospawn.core.internal;

import org.jspecify.annotations.NullMarked;
