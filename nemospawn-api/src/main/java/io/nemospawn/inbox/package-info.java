/** Messages between the agents of a team: inboxes, direct and broadcast sends. */
package io.nemospawn.inbox;
