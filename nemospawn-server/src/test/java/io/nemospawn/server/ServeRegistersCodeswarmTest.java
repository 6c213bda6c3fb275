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

  @Test
  void withAuthOnAViewerMayReadButChangeNothingAndAnAgentOnlyItsTeam() throws Exception {
    ControlPlane.ensureKey(data);
    String teamId;
    try (NemoSpawn ns = NemoSpawn.open(data)) {
      teamId = ns.newTeam("golden").create().id();
    }
    java.nio.file.Files.writeString(data.resolve("config.json"), "{\n  \"auth\": \"on\"\n}\n");
    io.nemospawn.state.AccessKeys keys = io.nemospawn.state.AccessKeys.of(data);
    String viewer = keys.generate(
        "vera", new io.nemospawn.Principal("vera", io.nemospawn.AccessRole.VIEWER, ""));
    String agent = keys.generate(
        "worker",
        new io.nemospawn.Principal("worker", io.nemospawn.AccessRole.AGENT, "other-team"));
    try (NemoSpawn ns = NemoSpawn.open(data);
        ControlPlanes.Served served = ControlPlanes.serve(
            ns, ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0))) {
      for (String key : java.util.List.of(viewer, agent)) {
        try (LineClient c = new LineClient(served.server().port())) {
          c.hello(ControlPlane.NEMOSPAWN_V1, key, -1);
          JsonNode list = c.reply(c.command(
              ControlPlane.NEMOSPAWN_V1,
              "tasks.list",
              Wire.MAPPER.createObjectNode().put("team", teamId)));
          assertThat(list.path("event").asString()).isEqualTo("result");
          tools.jackson.databind.node.ObjectNode create =
              Wire.MAPPER.createObjectNode().put("team", teamId);
          create.putArray("args").addObject().put("title", "not allowed").putArray("blockedBy");
          JsonNode refused = c.reply(c.command(ControlPlane.NEMOSPAWN_V1, "tasks.create", create));
          assertThat(refused.path("event").asString()).isEqualTo("command_rejected");
          assertThat(refused.path("data").path("code").asString()).isEqualTo("forbidden");
          JsonNode launch = c.reply(
              c.command(ControlPlane.CODESWARM_V1, "swarm_launch", Wire.MAPPER.createObjectNode()));
          assertThat(launch.path("data").path("code").asString()).isEqualTo("forbidden");
        }
      }
      assertThat(ns.team(teamId).tasks().list().items()).isEmpty();
      assertThat(served.server().port()).isPositive();
    }
  }
}
