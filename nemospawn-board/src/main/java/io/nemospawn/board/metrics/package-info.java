/**
 * The Prometheus exporter of a team ({@link io.nemospawn.board.metrics.TeamMetrics}, served by
 * {@link io.nemospawn.board.metrics.MetricsExporter}) and its Grafana dashboard ({@link
 * io.nemospawn.board.metrics.GrafanaDashboard}). Every value is read from the team when Prometheus
 * scrapes; nothing polls in the background.
 */
@NullMarked
package io.nemospawn.board.metrics;

import org.jspecify.annotations.NullMarked;
