/** Agent records and the lifecycle protocol (idle, shutdown request, approve, reject). */
@NullMarked
package io.nemospawn.agent;

import org.jspecify.annotations.NullMarked;
