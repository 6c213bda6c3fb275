/** The ZeroMQ transport (JeroMQ PUSH/PULL). Not an API. */
package io.nemospawn.transport.internal.zmq;
