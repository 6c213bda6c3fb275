/**
 * The control plane: teams reachable over a socket. One framing (UTF-8 NDJSON over TCP, a hello
 * with a key first) carries two protocols, {@code nemospawn.v1} (the library API) and Codeswarm's
 * {@code codeswarm.router.v1} (swarms, prompt injection, approvals, routing, planned projects).
 * Each protocol's commands are answered by {@link io.nemospawn.server.ProtocolHandler}s.
 */
@NullMarked
package io.nemospawn.server;

import org.jspecify.annotations.NullMarked;
