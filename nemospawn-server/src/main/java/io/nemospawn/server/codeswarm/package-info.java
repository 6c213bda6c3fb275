/**
 * The {@code codeswarm.router.v1} wire handler: maps Codeswarm's router commands onto {@link
 * io.nemospawn.server.swarm.Swarms}.
 */
@NullMarked
package io.nemospawn.server.codeswarm;

import org.jspecify.annotations.NullMarked;
