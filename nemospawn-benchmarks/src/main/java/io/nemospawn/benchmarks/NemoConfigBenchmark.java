package io.nemospawn.benchmarks;

import io.nemospawn.nvidia.nemo.NemoConfig;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Measures NeMo config handling on a large, realistic config (about 2,000 values: a Megatron GPT
 * config with 150 per-layer blocks, lists and interpolations): parsing the YAML, applying ten
 * Hydra overrides typed against it, the canonical hash, and writing YAML back.
 *
 * <p>Run: {@code java -jar nemospawn-benchmarks/target/benchmarks.jar NemoConfigBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class NemoConfigBenchmark {
  static final List<String> OVERRIDES = List.of(
      "trainer.max_steps=5000",
      "trainer.devices=4",
      "model.optim.lr=3e-4",
      "model.optim.sched.warmup_steps=250",
      "+model.new_key=1",
      "~model.tokenizer.merge_file",
      "model.layers.block_57.attention.num_heads=64",
      "model.layers.block_149.mlp.activation=swiglu",
      "++model.precision=16",
      "model.data.data_prefix=[1.0,/data/a,0.5,/data/b]");

  String yaml;
  NemoConfig config;

  /** Builds the YAML text of the config. */
  static String bigConfig() {
    StringBuilder b = new StringBuilder();
    b.append("name: megatron_gpt\n")
        .append("trainer:\n  devices: 8\n  num_nodes: 2\n  precision: bf16\n")
        .append("  max_steps: 100000\n  val_check_interval: 0.25\n  log_every_n_steps: 10\n")
        .append("exp_manager:\n  explicit_log_dir: ${oc.env:LOG_DIR,/results}\n  name: ${name}\n")
        .append("model:\n  precision: bf16\n  micro_batch_size: 4\n  global_batch_size: 256\n")
        .append("  tokenizer:\n    library: megatron\n    vocab_file: /data/vocab.json\n")
        .append("    merge_file: /data/merges.txt\n")
        .append("  optim:\n    name: fused_adam\n    lr: 2e-4\n    weight_decay: 0.1\n")
        .append("    betas: [0.9, 0.95]\n    sched:\n      name: CosineAnnealing\n")
        .append("      warmup_steps: 500\n      min_lr: ${multiply:${model.optim.lr},0.1}\n")
        .append("  data:\n    data_prefix: [1.0, /data/my_text_document]\n    seq_length: 4096\n")
        .append("  layers:\n");
    for (int i = 0; i < 150; i++) {
      b.append("    block_")
          .append(i)
          .append(":\n")
          .append("      attention:\n        num_heads: 32\n        head_dim: 128\n")
          .append("        dropout: 0.0\n        rotary: true\n        kv_channels: null\n")
          .append("      mlp:\n        ffn_hidden_size: 16384\n        activation: gelu\n")
          .append("        bias: false\n        dropout: 0.1\n")
          .append("      norm:\n        type: layernorm\n        eps: 1.0e-5\n")
          .append("      hidden_size: ${model.hidden_size}\n      index: ")
          .append(i)
          .append('\n');
    }
    b.append("  hidden_size: 4096\n");
    return b.toString();
  }

  @Setup
  public void setUp() {
    yaml = bigConfig();
    config = NemoConfig.parse(yaml, "big.yaml");
    if (config.leafCount() < 1900) {
      throw new IllegalStateException("config has only " + config.leafCount() + " values");
    }
  }

  @Benchmark
  public NemoConfig parse() {
    return NemoConfig.parse(yaml, "big.yaml");
  }

  @Benchmark
  public NemoConfig applyTenOverrides() {
    return config.apply(OVERRIDES);
  }

  @Benchmark
  public String hash() {
    return config.hash();
  }

  @Benchmark
  public String applyTenOverridesAndHash() {
    return config.apply(OVERRIDES).hash();
  }

  @Benchmark
  public String toYaml() {
    return config.toYaml();
  }
}
