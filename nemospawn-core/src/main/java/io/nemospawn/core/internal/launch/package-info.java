/** Templates (TOML), launch planning and launching: the engine behind {@code nemospawn launch}. */
@NullMarked
package io.nemospawn.core.internal.launch;

import org.jspecify.annotations.NullMarked;
