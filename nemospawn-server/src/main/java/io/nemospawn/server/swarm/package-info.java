/**
 * Codeswarm's swarms on NemoSpawn teams: a swarm is a team, its nodes are the team's agents. {@link
 * io.nemospawn.server.swarm.Swarms} launches, lists, injects into, and terminates swarms, keeps
 * execution approvals and the inter-swarm queue (persisted), and normalises each node's output
 * into worker events; {@link io.nemospawn.server.swarm.NodeSelector} parses the routing syntax.
 */
@NullMarked
package io.nemospawn.server.swarm;

import org.jspecify.annotations.NullMarked;
