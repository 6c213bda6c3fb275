/** Internals of the JUnit harness: leak checks and tracking wrappers. No compatibility promise. */
package io.nemospawn.junit.internal;
