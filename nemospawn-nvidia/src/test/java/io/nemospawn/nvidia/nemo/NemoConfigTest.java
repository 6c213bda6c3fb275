package io.nemospawn.nvidia.nemo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Loading, overriding, writing, diffing and hashing NeMo configs, with hostile input. */
class NemoConfigTest {
  static final String GPT = """
      name: megatron_gpt
      restore_from_path: null
      trainer:
        devices: 8
        num_nodes: 1
        precision: bf16
        max_steps: 100000
        val_check_interval: 0.25
        enable_checkpointing: false
      exp_manager:
        explicit_log_dir: ${oc.env:LOG_DIR,/results}
        name: ${name}
      model:
        micro_batch_size: 4
        global_batch_size: 256
        hidden_size: 4096
        layers: [1, 2, 3]
        tokenizer:
          library: megatron
          vocab_file: null
        optim:
          name: fused_adam
          lr: 2e-4
          weight_decay: 0.1
          betas:
          - 0.9
          - 0.95
          sched:
            name: CosineAnnealing
            warmup_steps: 500
            min_lr: ${multiply:${model.optim.lr},0.1}
        data:
          data_prefix:
          - 1.0
          - /data/my_text_document
      """;

  @TempDir
  Path dir;

  static NemoConfig gpt() {
    return NemoConfig.parse(GPT, "gpt.yaml");
  }

  @Test
  void overridesAreTypedAgainstTheConfig() {
    NemoConfig c = gpt()
        .apply(List.of(
            "trainer.max_steps=5000",
            "model.optim.lr=3e-4",
            "model.optim.weight_decay=0",
            "trainer.enable_checkpointing=true",
            "name=123",
            "+model.new_key=1",
            "~model.tokenizer.vocab_file",
            "++trainer.precision=16",
            "model.layers.0=8",
            "model.optim.betas=[0.8,0.9]",
            "model.tokenizer.library='sentence piece'"));
    assertThat(c.find("trainer.max_steps").orElseThrow().isInt()).isTrue();
    assertThat(c.find("trainer.max_steps").orElseThrow().intValue()).isEqualTo(5000);
    assertThat(c.find("model.optim.lr").orElseThrow().isDouble()).isTrue();
    assertThat(c.find("model.optim.lr").orElseThrow().doubleValue()).isEqualTo(3e-4);
    // an int given for a float becomes a float
    assertThat(c.find("model.optim.weight_decay").orElseThrow().isDouble()).isTrue();
    assertThat(c.find("trainer.enable_checkpointing").orElseThrow().booleanValue())
        .isTrue();
    // a string field stays a string, spelled as typed
    assertThat(c.find("name").orElseThrow().asString()).isEqualTo("123");
    assertThat(c.find("model.new_key").orElseThrow().intValue()).isEqualTo(1);
    assertThat(c.find("model.tokenizer.vocab_file")).isEmpty();
    assertThat(c.find("model.tokenizer.library").orElseThrow().asString())
        .isEqualTo("sentence piece");
    // forced: the type changes
    assertThat(c.find("trainer.precision").orElseThrow().intValue()).isEqualTo(16);
    assertThat(c.find("model.layers.0").orElseThrow().intValue()).isEqualTo(8);
    assertThat(c.find("model.optim.betas").orElseThrow().toString()).isEqualTo("[0.8,0.9]");
    // interpolations are kept exactly
    assertThat(c.find("model.optim.sched.min_lr").orElseThrow().asString())
        .isEqualTo("${multiply:${model.optim.lr},0.1}");
    assertThat(c.find("exp_manager.explicit_log_dir").orElseThrow().asString())
        .isEqualTo("${oc.env:LOG_DIR,/results}");
    // the original is unchanged
    assertThat(gpt().find("trainer.max_steps").orElseThrow().intValue()).isEqualTo(100000);
  }

  @Test
  void aTypeChangeIsRefusedUnlessForced() {
    assertThatThrownBy(() -> gpt().apply(List.of("trainer.max_steps=abc")))
        .hasMessageContaining("trainer.max_steps")
        .hasMessageContaining("an int (100000)")
        .hasMessageContaining("++trainer.max_steps=VALUE");
    assertThatThrownBy(() -> gpt().apply(List.of("trainer.max_steps=1.5")))
        .hasMessageContaining("a float");
    assertThatThrownBy(() -> gpt().apply(List.of("trainer.enable_checkpointing=1")))
        .hasMessageContaining("a bool");
    assertThatThrownBy(() -> gpt().apply(List.of("model.optim=3"))).hasMessageContaining("a map");
    assertThat(gpt()
            .apply(List.of("trainer.max_steps=abc"), true)
            .find("trainer.max_steps")
            .orElseThrow()
            .asString())
        .isEqualTo("abc");
    assertThat(gpt()
            .apply(List.of("++trainer.max_steps=1.5"))
            .find("trainer.max_steps")
            .orElseThrow()
            .doubleValue())
        .isEqualTo(1.5);
    // null and interpolations may replace any type
    assertThat(gpt()
            .apply(List.of("trainer.max_steps=null"))
            .find("trainer.max_steps")
            .orElseThrow()
            .isNull())
        .isTrue();
    assertThat(gpt()
            .apply(List.of("trainer.max_steps=${model.x}"))
            .find("trainer.max_steps")
            .orElseThrow()
            .asString())
        .isEqualTo("${model.x}");
  }

  @Test
  void unknownKeysAreRefusedWithADidYouMean() {
    assertThatThrownBy(() -> gpt().apply(List.of("trainer.max_step=5")))
        .hasMessageContaining("Unknown key 'trainer.max_step'")
        .hasMessageContaining("did you mean 'trainer.max_steps'?")
        .hasMessageContaining("+trainer.max_step=5");
    assertThatThrownBy(() -> gpt().apply(List.of("modle.optim.lr=1.0")))
        .hasMessageContaining("Unknown key 'modle'")
        .hasMessageContaining("did you mean 'model'?");
    assertThatThrownBy(() -> gpt().apply(List.of("model.optim.zzzzzz=1")))
        .hasMessageContaining("Unknown key 'model.optim.zzzzzz'")
        .hasMessageNotContaining("did you mean")
        .hasMessageContaining("[name, lr, weight_decay, betas, sched]");
    assertThatThrownBy(() -> gpt().apply(List.of("~model.nothing")))
        .hasMessageContaining("Unknown key 'model.nothing'");
    assertThatThrownBy(() -> gpt().apply(List.of("+trainer.devices=2")))
        .hasMessageContaining("it exists (8)");
    assertThatThrownBy(() -> gpt().apply(List.of("model.layers.7=1")))
        .hasMessageContaining("list of 3 elements");
    assertThatThrownBy(() -> gpt().apply(List.of("trainer.devices.x=1")))
        .hasMessageContaining("trainer.devices is a int")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleteWithAValueOnlyWhenEqual() {
    assertThat(gpt().apply(List.of("~trainer.devices=8")).find("trainer.devices"))
        .isEmpty();
    assertThatThrownBy(() -> gpt().apply(List.of("~trainer.devices=4")))
        .hasMessageContaining("its value is 8, not 4");
    assertThatThrownBy(() -> gpt().apply(List.of("~trainer.devices=abc")))
        .hasMessageContaining("its value is 8, not \"abc\"");
    assertThat(gpt()
            .apply(List.of("~model.optim.weight_decay=0.1", "~name=megatron_gpt"))
            .find("name"))
        .isEmpty();
    assertThat(NemoConfig.parse("lr: 1.0\nn: '5'\n", "t")
            .apply(List.of("~lr=1", "~n=5"))
            .tree()
            .isEmpty())
        .isTrue();
    assertThat(gpt()
            .apply(List.of("~model.layers.1"))
            .find("model.layers")
            .orElseThrow()
            .toString())
        .isEqualTo("[1,3]");
    assertThat(gpt()
            .apply(List.of("+model.layers.3=4"))
            .find("model.layers")
            .orElseThrow()
            .toString())
        .isEqualTo("[1,2,3,4]");
    assertThat(gpt().apply(List.of("+a.b.c=x")).find("a.b.c").orElseThrow().asString())
        .isEqualTo("x");
  }

  @Test
  void badOverrideSyntaxIsRefusedNamingIt() {
    for (String bad : List.of(
        "trainer.max_steps",
        "=5",
        "a..b=1",
        "a.$(id)=1",
        "a.b\n=1",
        "trainer.devices=1,2",
        "trainer.devices=choice(1,2)",
        "x='unterminated",
        "x=[1,2",
        "x={a 1}",
        "x=a\nb")) {
      assertThatThrownBy(() -> NemoOverride.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("override '" + NemoConfig.printable(bad) + "'");
    }
  }

  @Test
  void valuesFollowHydrasGrammar() {
    assertThat(NemoOverride.parse("a=1").value().isInt()).isTrue();
    assertThat(NemoOverride.parse("a=1_000").value().intValue()).isEqualTo(1000);
    assertThat(NemoOverride.parse("a=-2.5e-3").value().doubleValue()).isEqualTo(-2.5e-3);
    assertThat(NemoOverride.parse("a=1e5").value().isDouble()).isTrue();
    assertThat(NemoOverride.parse("a=inf").value().doubleValue()).isInfinite();
    assertThat(NemoOverride.parse("a=True").value().booleanValue()).isTrue();
    assertThat(NemoOverride.parse("a=NULL").value().isNull()).isTrue();
    assertThat(NemoOverride.parse("a='5'").value().asString()).isEqualTo("5");
    assertThat(NemoOverride.parse("a=\"it\\\"s\"").value().asString()).isEqualTo("it\"s");
    assertThat(NemoOverride.parse("a=[1, 'b', [c], {d: 2}]").value().toString())
        .isEqualTo("[1,\"b\",[\"c\"],{\"d\":2}]");
    assertThat(NemoOverride.parse("a=${oc.env:X,1}").value().asString()).isEqualTo("${oc.env:X,1}");
    assertThat(NemoOverride.parse("a=").value().asString()).isEmpty();
    assertThat(NemoOverride.parse("a=/data/x y").value().asString()).isEqualTo("/data/x y");
    assertThat(NemoOverride.parse("~a").value()).isNull();
    assertThat(NemoOverride.parse("++a.b=1").kind()).isEqualTo(NemoOverride.Kind.FORCE);
  }

  @Test
  void malformedYamlNamesLineAndColumn() {
    String bad = "trainer:\n  devices: 8\n  max_steps: [1,\n  x: y: z\n";
    assertThatThrownBy(() -> NemoConfig.parse(bad, "bad.yaml"))
        .isInstanceOfSatisfying(NemoConfigException.class, e -> {
          assertThat(e.line()).isEqualTo(4);
          assertThat(e.column()).isPositive();
          assertThat(e.getMessage())
              .startsWith("bad.yaml, line 4, column " + e.column() + ": malformed YAML");
        });
    assertThatThrownBy(() -> NemoConfig.parse("a: 1\n b: 2\n", "indent.yaml"))
        .hasMessageStartingWith("indent.yaml, line 2, column");
    assertThatThrownBy(() -> NemoConfig.parse("a: 1\na: 2\n", "dup.yaml"))
        .isInstanceOf(NemoConfigException.class)
        .hasMessageContaining("dup.yaml, line 2");
    assertThatThrownBy(() -> NemoConfig.parse("- 1\n- 2\n", "list.yaml"))
        .hasMessageContaining("list.yaml: a NeMo config is a YAML mapping");
  }

  @Test
  void writesKeepKeyOrderAndReadBackTheSame() throws Exception {
    NemoConfig c = gpt().apply(List.of("+model.z_last=1", "+model.a_first=2"));
    String yaml = c.toYaml();
    assertThat(yaml.indexOf("name: megatron_gpt")).isLessThan(yaml.indexOf("trainer:"));
    assertThat(yaml.indexOf("z_last")).isLessThan(yaml.indexOf("a_first"));
    assertThat(yaml).contains("min_lr: ${multiply:${model.optim.lr},0.1}");
    assertThat(yaml).contains("lr: 2.0e-04".replace("e-04", "e-4"));
    NemoConfig back = NemoConfig.parse(yaml, "back");
    assertThat(back).isEqualTo(c);
    assertThat(back.hash()).isEqualTo(c.hash());
    Path out = dir.resolve("run.yaml");
    c.write(out, false);
    assertThat(NemoConfig.read(out)).isEqualTo(c);
    assertThatThrownBy(() -> gpt().write(out, false)).hasMessageContaining("Refusing to overwrite");
    assertThat(NemoConfig.read(out)).isEqualTo(c); // nothing lost
    gpt().write(out, true);
    assertThat(NemoConfig.read(out)).isEqualTo(gpt());
    try (var s = Files.list(dir)) {
      assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("run.yaml");
    }
  }

  @Test
  void hostileKeysAndValuesRoundTrip() {
    List<String> hostile = List.of(
        "$(id)",
        "`rm -rf /`",
        "a\nb",
        "it's \"quoted\"",
        "# not a comment",
        "- dash",
        "key: value",
        "yes",
        "null",
        "~",
        "12",
        "1e5",
        "",
        " lead",
        "tab\tx",
        "\u202eevil",
        "{x}",
        "[y]",
        "&anchor",
        "*alias",
        "!tag",
        "%dir",
        "@at",
        "back\\slash",
        "ünïcødé",
        "\u0000nul");
    for (String s : hostile) {
      String asKey = NemoOverride.parse("++x=1").text(); // parse check only
      assertThat(asKey).isNotEmpty();
      var tree = NemoConfig.NODES.objectNode();
      tree.put(s, s);
      tree.putObject("nested").put("v", s).putArray("list").add(s);
      NemoConfig c = NemoConfig.of(tree);
      NemoConfig back = NemoConfig.parse(c.toYaml(), "hostile");
      assertThat(back).as(NemoConfig.printable(s) + "\n" + c.toYaml()).isEqualTo(c);
      assertThat(back.hash()).isEqualTo(c.hash());
      // the same value through an override, quoted
      String quoted = "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'";
      NemoConfig set = NemoConfig.parse("v: old\n", "v").apply(List.of("v=" + quoted));
      assertThat(set.find("v").orElseThrow().asString()).isEqualTo(s);
      assertThat(NemoConfig.parse(set.toYaml(), "v")).isEqualTo(set);
    }
  }

  @Test
  void diffListsAddedRemovedAndChangedTyped() {
    NemoConfig a = gpt();
    NemoConfig b = a.apply(List.of(
        "trainer.max_steps=5000", "+model.extra=1", "~model.data", "++trainer.devices=8.0"));
    List<NemoConfig.Change> d = a.diff(b);
    assertThat(d)
        .extracting(ch -> ch.kind() + " " + ch.path())
        .containsExactly(
            "CHANGED trainer.devices",
            "CHANGED trainer.max_steps",
            "REMOVED model.data",
            "ADDED model.extra");
    assertThat(NemoConfig.Change.type(d.get(0).before())).isEqualTo("int");
    assertThat(NemoConfig.Change.type(d.get(0).after())).isEqualTo("float");
    assertThat(a.diff(a)).isEmpty();
  }

  // ------------------------------------------------------------------ property tests (seeded)

  /** A random config of nested maps and lists with every scalar type. */
  static JsonNode randomTree(java.util.Random r, int depth) {
    var o = NemoConfig.NODES.objectNode();
    int n = 1 + r.nextInt(6);
    for (int i = 0; i < n; i++) {
      String k = "k" + r.nextInt(50) + (r.nextBoolean() ? "_x" : "");
      o.set(k, randomValue(r, depth));
    }
    return o;
  }

  static JsonNode randomValue(java.util.Random r, int depth) {
    int t = r.nextInt(depth > 0 ? 9 : 7);
    return switch (t) {
      case 0 -> NemoConfig.NODES.numberNode(r.nextInt(1_000_000) - 500_000);
      case 1 -> NemoConfig.NODES.numberNode(r.nextDouble() * Math.pow(10, r.nextInt(20) - 10));
      case 2 -> NemoConfig.NODES.booleanNode(r.nextBoolean());
      case 3 -> NemoConfig.NODES.nullNode();
      case 4 -> NemoConfig.NODES.stringNode("s" + Long.toHexString(r.nextLong()));
      case 5 -> NemoConfig.NODES.stringNode("${model.k" + r.nextInt(9) + "}");
      case 6 -> NemoConfig.NODES.stringNode(randomText(r));
      case 7 -> randomTree(r, depth - 1);
      default -> {
        var a = NemoConfig.NODES.arrayNode();
        int n = r.nextInt(4);
        for (int i = 0; i < n; i++) {
          a.add(randomValue(r, depth - 1));
        }
        yield a;
      }
    };
  }

  static String randomText(java.util.Random r) {
    String alphabet = "ab \n\t'\"\\$(){}[]:#-,=~*&!%@`é\u202e\u0001";
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(12);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }

  /** All leaf key paths of a tree whose values are scalars. */
  static List<String> leafPaths(JsonNode n, String prefix, List<String> out) {
    if (n.isEmpty() && !prefix.isEmpty()) {
      out.add(prefix);
    } else if (n.isObject()) {
      n.propertyNames()
          .forEach(k -> leafPaths(n.get(k), prefix.isEmpty() ? k : prefix + "." + k, out));
    } else if (n.isArray()) {
      for (int i = 0; i < n.size(); i++) {
        leafPaths(n.get(i), prefix + "." + i, out);
      }
    } else {
      out.add(prefix);
    }
    return out;
  }

  @Test
  void propertyWriteThenReadIsTheSameConfigAndHash() {
    java.util.Random r = new java.util.Random(20261203L);
    for (int round = 0; round < 300; round++) {
      NemoConfig c = NemoConfig.of(randomTree(r, 3));
      NemoConfig back = NemoConfig.parse(c.toYaml(), "round " + round);
      assertThat(back).as("round %d:\n%s", round, c.toYaml()).isEqualTo(c);
      assertThat(back.hash()).isEqualTo(c.hash());
    }
  }

  @Test
  void propertyOverrideThenReadBackKeepsTheType() {
    java.util.Random r = new java.util.Random(42L);
    for (int round = 0; round < 300; round++) {
      NemoConfig c = NemoConfig.of(randomTree(r, 3));
      List<String> paths = leafPaths(c.tree(), "", new ArrayList<>());
      String path = paths.get(r.nextInt(paths.size()));
      JsonNode before = c.find(path).orElseThrow();
      String text;
      if (before.isInt()) {
        text = Integer.toString(r.nextInt(100000));
      } else if (before.isDouble()) {
        text = Double.toString(r.nextDouble() * 1000);
      } else if (before.isBoolean()) {
        text = Boolean.toString(r.nextBoolean());
      } else if (before.isString() && !before.asString().contains("${")) {
        text = r.nextBoolean() ? Integer.toString(r.nextInt(99)) : "'" + "v" + r.nextInt(99) + "'";
      } else {
        continue; // null, empty containers: any type goes
      }
      NemoConfig after = c.apply(List.of(path + "=" + text));
      JsonNode v = after.find(path).orElseThrow();
      assertThat(NemoConfig.typeName(v))
          .as(path + "=" + text)
          .isEqualTo(NemoConfig.typeName(before));
      NemoConfig back = NemoConfig.parse(after.toYaml(), "back");
      assertThat(back.find(path).orElseThrow()).isEqualTo(v);
      // everything else is unchanged
      assertThat(c.diff(after)).allSatisfy(ch -> assertThat(ch.path()).isEqualTo(path));
    }
  }

  @Test
  void propertyHashIsStableUnderReorderingAndChangesWithAnyValue() {
    java.util.Random r = new java.util.Random(7L);
    for (int round = 0; round < 200; round++) {
      JsonNode tree = randomTree(r, 3);
      NemoConfig c = NemoConfig.of(tree);
      NemoConfig reordered = NemoConfig.of(reverse(tree));
      assertThat(reordered.hash()).isEqualTo(c.hash());
      // reformatted: flow style JSON is YAML too
      assertThat(NemoConfig.parse(tree.toString(), "json").hash()).isEqualTo(c.hash());
      List<String> paths = leafPaths(c.tree(), "", new ArrayList<>());
      String path = paths.get(r.nextInt(paths.size()));
      JsonNode before = c.find(path).orElseThrow();
      NemoConfig changed = c.apply(List.of("++" + path + "=" + different(before)));
      assertThat(changed.hash()).as(path).isNotEqualTo(c.hash());
    }
  }

  private static String different(JsonNode v) {
    if (v.isInt()) {
      return Integer.toString(v.intValue() + 1);
    }
    if (v.isDouble()) {
      return v.doubleValue() == 0 ? "1.0" : Double.toString(v.doubleValue() * 2 + 1);
    }
    if (v.isBoolean()) {
      return Boolean.toString(!v.booleanValue());
    }
    if (v.isNull()) {
      return "0";
    }
    return "'changed-" + Integer.toHexString(v.hashCode()) + "'";
  }

  private static JsonNode reverse(JsonNode n) {
    if (n.isObject()) {
      var o = NemoConfig.NODES.objectNode();
      List<String> keys = new ArrayList<>();
      n.propertyNames().forEach(keys::add);
      java.util.Collections.reverse(keys);
      keys.forEach(k -> o.set(k, reverse(n.get(k))));
      return o;
    }
    if (n.isArray()) {
      var a = NemoConfig.NODES.arrayNode();
      n.forEach(v -> a.add(reverse(v)));
      return a;
    }
    return n;
  }

  @Test
  void hashMatchesTheDocumentedCanonicalForm() {
    NemoConfig c = NemoConfig.parse("b: 1\na: [2.0e-4, true, null, \"x\\\"y\"]\nc: 1.0\n", "c");
    assertThat(c.canonical()).isEqualTo("{\"a\":[2.0e-4,true,null,\"x\\\"y\"],\"b\":1,\"c\":1.0}");
    assertThat(c.hash()).hasSize(64).matches("[0-9a-f]+");
    assertThat(NemoConfig.parse("c: 1.0\nb: 1\na: [0.0002, true, ~null, 'x\"y']\n", "c")
            .hash())
        .isNotEqualTo(c.hash()); // ~null is a string
    assertThat(NemoConfig.parse("{c: 1.0, b: 1, a: [0.0002, true, null, 'x\"y']}", "c")
            .hash())
        .isEqualTo(c.hash());
    assertThat(NemoConfig.parse("a: 1", "i").hash())
        .isNotEqualTo(NemoConfig.parse("a: 1.0", "f").hash());
  }

  @Test
  void didYouMeanPicksTheClosestSibling() {
    assertThat(DidYouMean.closest("max_step", List.of("devices", "max_steps")))
        .contains("max_steps");
    assertThat(DidYouMean.closest("MAX_STEPS", List.of("max_steps"))).contains("max_steps");
    assertThat(DidYouMean.closest("lr", List.of("name", "betas"))).isEmpty();
    assertThat(DidYouMean.distance("kitten", "sitting", 10)).isEqualTo(3);
  }
}
