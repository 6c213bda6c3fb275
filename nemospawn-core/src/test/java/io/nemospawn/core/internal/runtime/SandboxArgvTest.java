package io.nemospawn.core.internal.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.spi.AgentRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxArgvTest {
  @Test
  void pathsTheCommandNamesUnderTmpStayVisibleReadOnlyInsideThePrivateTmp() throws Exception {
    Path dir = Files.createTempDirectory(Path.of("/tmp"), "sandbox-argv-");
    try {
      Path jar = Files.createFile(dir.resolve("agent.jar"));
      Path classes = Files.createDirectory(dir.resolve("classes"));
      List<String> command = List.of(
          "/usr/bin/java",
          "-cp",
          jar + ":/usr/share/java/none.jar:" + classes + ":" + dir.resolve("missing.jar"),
          "Main",
          "--out",
          jar.toString(),
          "/tmp/../etc/passwd");
      assertThat(SandboxRuntime.pathsUnderTmp(command)).containsExactly(dir.toString());

      AgentRuntime.Launch launch = new AgentRuntime.Launch(
          "t",
          "a-00000001",
          "a",
          command,
          Map.of(),
          dir,
          dir.resolve("log"),
          dir.resolve("exit"),
          List.of(dir),
          false);
      List<String> argv = SandboxRuntime.bwrapArgv(launch);
      int tmpfs = argv.indexOf("/tmp");
      int bind = argv.indexOf(dir.toString());
      assertThat(argv.get(tmpfs - 1)).isEqualTo("--tmpfs");
      assertThat(argv.get(bind - 1)).isEqualTo("--ro-bind");
      assertThat(bind).isGreaterThan(tmpfs);
      assertThat(argv).containsSubsequence("--unshare-net", "--", "/usr/bin/java");
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
