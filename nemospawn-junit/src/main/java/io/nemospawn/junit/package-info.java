/**
 * JUnit 5 harness: {@link io.nemospawn.junit.NemoSpawnExtension} and {@link
 * io.nemospawn.junit.NemoSpawnTest} give tests a team in a temporary data directory and check
 * that nothing leaks; {@link io.nemospawn.junit.VirtualClock} and {@link
 * io.nemospawn.junit.FakeGpus} simulate time and GPU machines.
 */
@NullMarked
package io.nemospawn.junit;

import org.jspecify.annotations.NullMarked;
