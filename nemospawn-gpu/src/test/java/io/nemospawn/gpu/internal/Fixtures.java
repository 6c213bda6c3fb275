package io.nemospawn.gpu.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Recorded tool outputs of real machine shapes (src/test/resources/fixtures/&lt;shape&gt;/) and fake
 * {@code nvidia-smi}/{@code dcgmi} executables that print them: the fakes sit at the real process
 * boundary, so the probes run exactly as on a GPU machine.
 */
public final class Fixtures {
  private Fixtures() {}

  /** Returns the fixture file of a shape: query.csv, topo.txt, dcgmi.txt, nvml.txt. */
  public static Path path(String shape, String file) {
    URL url = Fixtures.class.getResource("/fixtures/" + shape + "/" + file);
    if (url == null) {
      throw new IllegalArgumentException("No fixture " + shape + "/" + file);
    }
    try {
      return Path.of(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Returns the text of a fixture file. */
  public static String read(String shape, String file) {
    try {
      return Files.readString(path(shape, file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes a fake {@code nvidia-smi} into {@code dir} that prints the shape's query.csv for the
   * exact query the probe sends and its topo.txt for {@code topo -m}, and fails like the real
   * tool on anything else.
   */
  public static Path fakeNvidiaSmi(Path dir, String shape) {
    String query = "--query-gpu=" + String.join(",", NvidiaSmiParser.QUERY_FIELDS);
    return script(
        dir,
        "nvidia-smi",
        "if [ \"$1\" = 'topo' ] && [ \"$2\" = '-m' ]; then\n"
            + "  exec cat '" + path(shape, "topo.txt") + "'\n"
            + "elif [ \"$1\" = '" + query
            + "' ] && [ \"$2\" = '--format=csv,noheader,nounits' ]; then\n"
            + "  exec cat '" + path(shape, "query.csv") + "'\n"
            + "fi\n"
            + "echo \"Invalid combination of input arguments: $*\" >&2\n"
            + "exit 2\n");
  }

  /** Writes a fake {@code dcgmi} that prints the shape's dcgmi.txt for the probe's dmon call. */
  public static Path fakeDcgmi(Path dir, String shape) {
    return script(
        dir,
        "dcgmi",
        "if [ \"$*\" = 'dmon -e " + DcgmiParser.FIELDS + " -c 1' ]; then\n"
            + "  exec cat '" + path(shape, "dcgmi.txt") + "'\n"
            + "fi\n"
            + "echo \"Error: unexpected arguments: $*\" >&2\n"
            + "exit 1\n");
  }

  /** Writes an executable shell script. */
  public static Path script(Path dir, String name, String body) {
    try {
      Path p = dir.resolve(name);
      Files.writeString(p, "#!/bin/sh\n" + body, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
