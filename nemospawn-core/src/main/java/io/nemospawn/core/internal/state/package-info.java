/** The state directory: JSON records, atomic writes, locks, change watching. Internal. */
package io.nemospawn.core.internal.state;
