/** Messages between the agents of a team: inboxes, direct and broadcast sends. */
@NullMarked
package io.nemospawn.inbox;

import org.jspecify.annotations.NullMarked;
