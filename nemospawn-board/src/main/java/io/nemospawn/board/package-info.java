/**
 * Watching a team: the web board (a kanban of the task DAG, agents, inbox, plans, artifacts, GPUs
 * and the HPO study, live through Server-Sent Events), the terminal board, the Prometheus exporter
 * and the Grafana dashboard.
 */
@NullMarked
package io.nemospawn.board;

import org.jspecify.annotations.NullMarked;
