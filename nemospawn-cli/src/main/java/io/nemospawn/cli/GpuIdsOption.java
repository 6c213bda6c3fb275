package io.nemospawn.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code --gpus 0,1}: GPU indices, given to a record ({@code team create}, {@code agent register}). */
final class GpuIdsOption {
  @Option(
      names = "--gpus",
      split = ",",
      paramLabel = "IDS",
      description = "GPU indices, comma-separated, e.g. 0,1.")
  List<Integer> ids = new ArrayList<>();
}
