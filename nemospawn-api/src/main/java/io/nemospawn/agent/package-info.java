/** Agent records and the lifecycle protocol (idle, shutdown request, approve, reject). */
package io.nemospawn.agent;
