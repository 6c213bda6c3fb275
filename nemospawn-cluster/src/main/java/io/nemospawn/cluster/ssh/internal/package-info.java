/** The sshj implementation of the SSH package: connections, host keys, the link process. */
@NullMarked
package io.nemospawn.cluster.ssh.internal;

import org.jspecify.annotations.NullMarked;
