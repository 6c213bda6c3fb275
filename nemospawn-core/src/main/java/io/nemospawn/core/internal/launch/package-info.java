/** Templates (TOML), launch planning and launching: the engine behind {@code nemospawn launch}. */
package io.nemospawn.core.internal.launch;
