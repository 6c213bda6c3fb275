package io.nemospawn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nemospawn swarm …} against a real control plane on loopback, with a mock swarm. */
class SwarmCommandTest {
  @TempDir
  Path dir;

  final Map<String, String> env = new HashMap<>();
  NemoSpawn ns;
  ControlPlanes.Served served;
  Cli cli;
  String url;

  @BeforeEach
  void serve() throws Exception {
    String key = ControlPlane.ensureKey(dir).orElseThrow();
    Path keyFile = dir.resolve("cli.key");
    Files.writeString(keyFile, key);
    Files.setPosixFilePermissions(
        keyFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    env.put("NEMOSPAWN_KEY_FILE", keyFile.toString());
    StateOptions.env = env::get;
    ns = NemoSpawn.open(dir);
    served =
        ControlPlanes.serve(ns, ControlPlane.Options.defaults(dir).withAddress("127.0.0.1", 0));
    url = "tcp://127.0.0.1:" + served.server().port();
    cli = new Cli(dir);
  }

  @AfterEach
  void stop() {
    StateOptions.env = System::getenv;
    served.close();
    ns.close();
  }

  Cli.Result ok(String... args) {
    Cli.Result r = cli.run(args);
    assertThat(r.code()).as("exit of %s: %s", String.join(" ", args), r.err()).isZero();
    return r;
  }

  @Test
  void launchInjectListAndTerminateAMockSwarm() {
    Cli.Result launched = ok("swarm", "launch", "--url", url, "--nodes", "2");
    Matcher m = Pattern.compile("Swarm (\\S+) runs 2 node").matcher(launched.out());
    assertThat(m.find()).as(launched.out()).isTrue();
    String swarm = m.group(1);
    assertThat(ok("swarm", "list", "--url", url).out()).contains(swarm).contains("running");
    assertThat(ok("swarm", "status", "--url", url, swarm).out()).contains("2 node(s)");
    String hostile = "say \"$(id)\" `x`\n; rm -rf /";
    Cli.Result injected = ok("swarm", "inject", "--url", url, "--nodes", "1", swarm, hostile);
    assertThat(injected.out()).contains("node 1: delivered").doesNotContain("node 0");
    assertThat(ok("swarm", "approvals", "--url", url).out()).contains("SWARM");
    Cli.Result gone = ok("swarm", "terminate", "--url", url, swarm);
    assertThat(gone.out()).contains("Swarm " + swarm + " terminated");
    assertThat(ok("swarm", "status", "--url", url, swarm).out()).contains("terminated");
  }

  @Test
  void refusalsSayWhatWasRefusedAndWhy() {
    Cli.Result unknown = cli.run("swarm", "status", "--url", url, "no-such-swarm");
    assertThat(unknown.code()).isNotZero();
    assertThat(unknown.err()).contains("swarm_status refused").contains("no-such-swarm");
    Cli.Result badNodes = cli.run("swarm", "inject", "--url", url, "--nodes", "0,x", "s", "hi");
    assertThat(badNodes.code()).isNotZero();
    assertThat(badNodes.err()).contains("0,x");
    env.remove("NEMOSPAWN_KEY_FILE");
    Cli.Result noKey = cli.run("swarm", "list", "--url", url);
    assertThat(noKey.code()).isNotZero();
    assertThat(noKey.err()).contains("refused the hello");
  }
}
