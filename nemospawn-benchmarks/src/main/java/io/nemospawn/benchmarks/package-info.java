/**
 * JMH benchmarks. Fork, warm-up and iteration defaults are the ones given on the command line in
 * {@code docs/benchmarks.md}; each class says what it measures.
 */
package io.nemospawn.benchmarks;
