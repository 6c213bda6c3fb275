/** Internals of the JUnit harness: leak checks and tracking wrappers. No compatibility promise. */
@NullMarked
package io.nemospawn.junit.internal;

import org.jspecify.annotations.NullMarked;
