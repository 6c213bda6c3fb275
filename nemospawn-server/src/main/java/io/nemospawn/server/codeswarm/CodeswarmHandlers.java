package io.nemospawn.server.codeswarm;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ProtocolHandler;
import io.nemospawn.server.ProtocolHandlerProvider;
import io.nemospawn.server.project.ProjectProtocolHandler;
import io.nemospawn.server.project.Projects;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import org.apiguardian.api.API;

/**
 * Puts the whole of {@code codeswarm.router.v1} on every control plane that {@code
 * ControlPlanes.serve} (and so {@code nemospawn serve}) starts: the swarm commands ({@link
 * CodeswarmRouterHandler}) and the project commands ({@link ProjectProtocolHandler}, with its
 * dispatcher stepping running projects every second). Found through {@code ServiceLoader}.
 *
 * @since 0.1
 */
@API(status = API.Status.EXPERIMENTAL, since = "0.1")
public final class CodeswarmHandlers implements ProtocolHandlerProvider {
  /** How often the project dispatcher looks for ready tasks and finished ones. */
  static final Duration DISPATCH_PERIOD = Duration.ofSeconds(1);

  @Override
  public List<ProtocolHandler> handlers(NemoSpawn nemoSpawn, ControlPlane server) {
    CodeswarmRouterHandler swarms;
    try {
      swarms = CodeswarmRouterHandler.open(nemoSpawn);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the swarm state of the control plane", e);
    }
    swarms.attach(server);
    Projects service = Projects.open(nemoSpawn);
    // a task for a swarm node whose CLI reads no team inbox goes in as that swarm's injection
    service.deliverThrough(swarms.swarms()::injectProjectTask);
    ProjectProtocolHandler projects = new ProjectProtocolHandler(service);
    projects.startDispatcher(DISPATCH_PERIOD);
    RoutingHandler routing = new RoutingHandler(
        io.nemospawn.server.swarm.AutoRouter.attach(swarms.swarms(), swarms::publish));
    return List.of(swarms, projects, routing);
  }
}
