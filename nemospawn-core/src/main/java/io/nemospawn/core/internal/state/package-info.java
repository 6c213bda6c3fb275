/** The state directory: JSON records, atomic writes, locks, change watching. Internal. */
@NullMarked
package io.nemospawn.core.internal.state;

import org.jspecify.annotations.NullMarked;
