package io.nemospawn.cluster.slurm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.cluster.slurm.internal.Shell;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlurmScriptTest {
  @Test
  void rendersTheDirectivesOf10AndTheCommandAsQuotedWords() {
    String s = SlurmScript.builder("train")
        .gpus(2)
        .gpuType("h100")
        .nodes(3)
        .partition("debug")
        .time("04:00:00")
        .module("cuda/12.4")
        .env("NEMOSPAWN_TEAM", "t1")
        .command(List.of("python", "train.py", "--lr", "0.1"))
        .build()
        .render();
    assertThat(s)
        .startsWith("#!/bin/bash\n")
        .contains("#SBATCH --job-name=train\n")
        .contains("#SBATCH --nodes=3\n")
        .contains("#SBATCH --time=04:00:00\n")
        .contains("#SBATCH --output=nemospawn-%j.out\n")
        .contains("#SBATCH --error=nemospawn-%j.err\n")
        .contains("#SBATCH --gres=gpu:h100:2\n")
        .contains("#SBATCH --partition=debug\n")
        .contains("module load 'cuda/12.4'\n")
        .contains("export NEMOSPAWN_TEAM='t1'\n")
        .contains("'python' 'train.py' '--lr' '0.1'\n");
  }

  @Test
  void anArrayGetsItsDirectiveAndPerTaskOutput() {
    String s = SlurmScript.builder("sweep").gpus(0).array("0-31%4").build().render();
    assertThat(s)
        .contains("#SBATCH --array=0-31%4\n")
        .contains("#SBATCH --output=nemospawn-%A_%a.out\n")
        .doesNotContain("--gres");
  }

  @Test
  void hostileValuesOnSbatchLinesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> SlurmScript.builder("x\n#SBATCH --uid=0").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("job name 'x\\u000a#SBATCH --uid=0'")
        .hasMessageContaining("letters, digits");
    assertThatThrownBy(() -> SlurmScript.builder("$(id)").build()).hasMessageContaining("'$(id)'");
    assertThatThrownBy(() -> SlurmScript.builder("a").partition("debug;id").build())
        .hasMessageContaining("partition 'debug;id'");
    assertThatThrownBy(() -> SlurmScript.builder("a").time("1:00 --uid=0").build())
        .hasMessageContaining("time limit '1:00 --uid=0'");
    assertThatThrownBy(() -> SlurmScript.builder("a").gpuType("h100\nid").build())
        .hasMessageContaining("GPU type 'h100\\u000aid'");
    assertThatThrownBy(() -> SlurmScript.builder("a").module("x'; id; '").build())
        .hasMessageContaining("module 'x'; id; ''");
    assertThatThrownBy(() -> SlurmScript.builder("a").array("0-3 --uid=0").build())
        .hasMessageContaining("array specification");
    assertThatThrownBy(() -> SlurmScript.builder("a").env("A;B", "x").build())
        .hasMessageContaining("variable name 'A;B'");
    assertThatThrownBy(() -> SlurmScript.builder("a").gpus(-1).build()).hasMessageContaining("-1");
  }

  @Test
  void commandWordsAreSplitWithoutExpansionAndQuotedBack() {
    List<String> w = Shell.words("echo \"a b\" 'c d' $(id) `id` ; x\\ y\nz");
    assertThat(w).containsExactly("echo", "a b", "c d", "$(id)", "`id`", ";", "x y", "z");
    assertThat(Shell.quote("it's $(id)")).isEqualTo("'it'\\''s $(id)'");
    assertThatThrownBy(() -> Shell.words("echo 'open"))
        .hasMessageContaining("Unterminated ' quote");
  }

  @Test
  void theRuntimesFilesSitBesideTheLog() {
    assertThat(SlurmRuntime.allocationFile(Path.of("/d/logs/a1.log")))
        .isEqualTo(Path.of("/d/logs/a1.slurm"));
  }

  @Test
  void jobIdsAreChecked() {
    assertThat(Slurm.checkJobId("12")).isEqualTo("12");
    assertThat(Slurm.checkJobId("12_3")).isEqualTo("12_3");
    assertThatThrownBy(() -> Slurm.checkJobId("12;id"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("SLURM job ID '12;id'");
  }
}
