package io.nemospawn.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** What {@code nemospawn serve} starts answers Codeswarm's swarm and project commands. */
class ServeRegistersCodeswarmTest {
  @TempDir
  Path data;

  @Test
  void swarmAndProjectCommandsAreAnsweredOnAServedPlane() throws Exception {
    String key = ControlPlane.ensureKey(data).orElseThrow();
    try (NemoSpawn ns = NemoSpawn.open(data);
        ControlPlanes.Served served = ControlPlanes.serve(
            ns, ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0));
        LineClient c = new LineClient(served.server().port())) {
      c.hello(ControlPlane.CODESWARM_V1, key, -1);
      JsonNode providers = c.reply(
          c.command(ControlPlane.CODESWARM_V1, "providers_list", Wire.MAPPER.createObjectNode()));
      assertThat(providers.path("event").asString()).isEqualTo("providers_list");
      assertThat(providers.path("data").path("providers").findValuesAsString("id"))
          .contains("mock", "local");
      JsonNode projects = c.reply(
          c.command(ControlPlane.CODESWARM_V1, "project_list", Wire.MAPPER.createObjectNode()));
      assertThat(projects.path("event").asString()).isEqualTo("project_list");
      JsonNode unknown = c.reply(c.command(
          ControlPlane.CODESWARM_V1,
          "swarm_status",
          Wire.MAPPER.createObjectNode().put("swarm_id", "no-such-swarm")));
      assertThat(unknown.path("event").asString()).isEqualTo("command_rejected");
      assertThat(unknown.path("data").path("reason").asString()).contains("no-such-swarm");
    }
  }
}
