package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.core.internal.state.Layout;
import io.nemospawn.spi.Durability;
import io.nemospawn.state.AuditChain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hash chain of audit.jsonl: an edited, a deleted and an inserted line are each named; 1.0
 * lines before the chain are unchained, not tampering; rotation keeps the chain; writers in several
 * JVMs keep it valid.
 */
class AuditChainTest {
  @TempDir
  Path dir;

  AuditJournal journal(long maxBytes) {
    return new AuditJournal(
        new Layout(dir), InstantSource.system(), "tester", Durability.NONE, maxBytes);
  }

  Path file() {
    return dir.resolve("audit.jsonl");
  }

  AuditChain.Report verify() {
    return AuditChain.verify(AuditChain.files(dir));
  }

  void write(int n) {
    AuditJournal j = journal(Long.MAX_VALUE);
    for (int i = 0; i < n; i++) {
      j.append("task.update", "team-1", "a-" + i, Map.of("i", i));
    }
  }

  List<String> lines() throws Exception {
    return new ArrayList<>(Files.readAllLines(file(), StandardCharsets.UTF_8));
  }

  void rewrite(List<String> lines) throws Exception {
    Files.writeString(file(), String.join("\n", lines) + "\n", StandardCharsets.UTF_8);
  }

  @Test
  void anIntactChainVerifiesAndEveryLineChainsToTheOneBefore() throws Exception {
    write(20);
    AuditChain.Report r = verify();
    assertThat(r.intact()).isTrue();
    assertThat(r.chained()).isEqualTo(20);
    assertThat(r.unchained()).isZero();
    assertThat(r.firstSeq()).isEqualTo(1);
    List<String> l = lines();
    assertThat(l.get(0)).contains("\"seq\":1,\"prev\":\"" + AuditChain.GENESIS + "\"");
    assertThat(l.get(5)).contains("\"prev\":\"" + AuditChain.hash(l.get(4)) + "\"");
    assertThat(r.head()).isEqualTo(AuditChain.hash(l.get(19)));
  }

  @Test
  void anEditedLineIsNamed() throws Exception {
    write(10);
    List<String> l = lines();
    l.set(4, l.get(4).replace("\"user\":\"tester\"", "\"user\":\"mallory\""));
    rewrite(l);
    AuditChain.Report r = verify();
    assertThat(r.intact()).isFalse();
    assertThat(r.broken().line()).isEqualTo(5);
    assertThat(r.broken().reason()).contains("was changed");
  }

  @Test
  void aDeletedLineIsNamed() throws Exception {
    write(10);
    List<String> l = lines();
    l.remove(6);
    rewrite(l);
    AuditChain.Report r = verify();
    assertThat(r.broken().line()).isEqualTo(7);
    assertThat(r.broken().reason()).contains("seq jumps from 6 to 8").contains("deleted");
  }

  @Test
  void anInsertedLineIsNamedWithOrWithoutForgedChainFields() throws Exception {
    write(10);
    List<String> l = lines();
    List<String> plain = new ArrayList<>(l);
    plain.add(3, "{\"timestamp\":\"2026-01-01T00:00:00.000000+00:00\",\"event\":\"x\"}");
    rewrite(plain);
    AuditChain.Report r = verify();
    assertThat(r.broken().line()).isEqualTo(4);
    assertThat(r.broken().reason()).contains("no chain fields");
    // A forger who copies the chain fields of the line it follows still breaks the next one.
    List<String> forged = new ArrayList<>(l);
    forged.add(3, "{\"event\":\"x\",\"seq\":4,\"prev\":\"" + AuditChain.hash(l.get(2)) + "\"}");
    rewrite(forged);
    r = verify();
    assertThat(r.broken().line()).isEqualTo(5);
    assertThat(r.broken().reason()).contains("inserted or moved");
  }

  @Test
  void linesOf10BeforeTheChainAreUnchainedNotTampering() throws Exception {
    String old = "{\"timestamp\": \"2026-03-28T10:00:00.000000+00:00\", \"event\": \"user.create\","
        + " \"user\": \"admin\", \"team_id\": null, \"agent_id\": null, \"details\": {}}";
    Files.writeString(file(), old + "\n" + old + "\n");
    write(3);
    AuditChain.Report r = verify();
    assertThat(r.intact()).isTrue();
    assertThat(r.unchained()).isEqualTo(2);
    assertThat(r.chained()).isEqualTo(3);
    // The first chained line covers the last 1.0 line: editing it now breaks the chain.
    List<String> l = lines();
    l.set(1, l.get(1).replace("admin", "other"));
    rewrite(l);
    assertThat(verify().broken()).isNotNull();
  }

  @Test
  void rotationKeepsTheChainAcrossFiles() throws Exception {
    AuditJournal j = journal(4096);
    for (int i = 0; i < 200; i++) {
      j.append("task.update", "team-1", "", Map.of("i", i, "pad", "x".repeat(50)));
    }
    List<Path> files = AuditChain.files(dir);
    assertThat(files.size()).isGreaterThan(2);
    assertThat(files.get(0).getFileName().toString()).matches("audit\\.\\d{19}\\.jsonl");
    AuditChain.Report r = AuditChain.verify(files);
    assertThat(r.intact()).isTrue();
    assertThat(r.chained()).isEqualTo(200);
    // The first line of the current file chains to the last line of the rotated one before it.
    List<String> prevFile = Files.readAllLines(files.get(files.size() - 2));
    String first = Files.readAllLines(file()).get(0);
    assertThat(first).contains(AuditChain.hash(prevFile.get(prevFile.size() - 1)));
    // Deleting a whole rotated file in the middle breaks it.
    Files.delete(files.get(1));
    assertThat(AuditChain.verify(AuditChain.files(dir)).broken().reason()).contains("deleted");
  }

  @Test
  void writersInSeveralJvmsKeepTheChainValid() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<Process> ps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ps.add(new ProcessBuilder(
              java,
              "-cp",
              System.getProperty("java.class.path"),
              AuditWriterMain.class.getName(),
              dir.toString(),
              "w" + i,
              "150")
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("w" + i + ".log").toFile())
          .start());
    }
    // This JVM writes meanwhile too.
    AuditJournal j = journal(Long.MAX_VALUE);
    for (int i = 0; i < 150; i++) {
      j.append("task.update", "team-1", "main", Map.of("i", i));
    }
    for (Process p : ps) {
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
      assertThat(p.exitValue()).isZero();
    }
    AuditChain.Report r = verify();
    assertThat(r.broken()).isNull();
    assertThat(r.chained()).isEqualTo(600);
    assertThat(lines()).hasSize(600);
  }
}
