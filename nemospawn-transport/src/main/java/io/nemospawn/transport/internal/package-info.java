/**
 * Implementation of the message transports: the JSON envelope, endpoint records, negotiation and
 * the {@link io.nemospawn.spi.InboxStore} that ties the durable inbox files to the fast
 * transports. Not an API.
 */
@NullMarked
package io.nemospawn.transport.internal;

import org.jspecify.annotations.NullMarked;
