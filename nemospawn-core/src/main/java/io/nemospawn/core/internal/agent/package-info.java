/**
 * Spawning and supervising agents: GPU leases, adapters and profiles, coordination prompts,
 * worktrees, the supervisor that acts on lifecycle decisions, the health watch, skills.
 */
@NullMarked
package io.nemospawn.core.internal.agent;

import org.jspecify.annotations.NullMarked;
