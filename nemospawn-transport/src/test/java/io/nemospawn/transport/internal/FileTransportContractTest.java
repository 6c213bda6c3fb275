package io.nemospawn.transport.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.Transport;
import io.nemospawn.inbox.Message;
import io.nemospawn.spi.InboxStore;
import io.nemospawn.spi.MessageTransport;
import io.nemospawn.spi.SendReceipt;
import io.nemospawn.spi.TransportContext;
import io.nemospawn.spi.TransportKind;
import io.nemospawn.spi.TransportProvider;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/**
 * The contract on the file transport, which is the production inbox path: the registered {@code
 * file} provider opens a view over the same {@link InboxStore} that every team's inbox uses
 * ({@link InboxStore#open} with {@link Transport#file()}), so the checks below run on the files,
 * lock and watcher that teams run on.
 */
class FileTransportContractTest extends TransportContract {
  @Override
  MessageTransport open(TransportContext context) {
    for (TransportProvider p : ServiceLoader.load(TransportProvider.class)) {
      if (p.kind() == TransportKind.FILE) {
        return p.open(context);
      }
    }
    throw new AssertionError("no file TransportProvider registered");
  }

  @Override
  boolean needsReceiver() {
    return false;
  }

  InboxStore store() {
    InboxStore s = InboxStore.open(context().withTransport(Transport.file()));
    open.add(s);
    return s;
  }

  @Test
  void aMessageTheTeamsInboxStoreSendsIsTakenByTheTransportAndMarkedReadOnDisk() throws Exception {
    SendReceipt r = store().send(msg("leader", "from the store"));
    assertThat(r.transport()).isEqualTo(TransportKind.FILE);

    Message got = next();

    assertThat(got.id()).isEqualTo(r.message().id());
    assertThat(got.read()).isTrue();
    assertThat(Files.readString(r.file(), StandardCharsets.UTF_8)).contains("\"read\": true");
    assertThat(store().peek(AGENT).items()).isEmpty();
    assertThat(store().history(AGENT).items())
        .extracting(Message::id)
        .containsExactly(r.message().id());
  }

  @Test
  void aMessageTheTransportSendsIsTheRecordTheTeamsInboxStoreReceives() throws Exception {
    receiver.close();
    Message sent = msg("leader", "from the transport");
    senderSide.send(sent);
    InboxStore store = store();

    assertThat(store.peek(AGENT).items()).extracting(Message::id).containsExactly(sent.id());
    assertThat(store.receive(AGENT).items())
        .extracting(Message::body)
        .containsExactly("from the transport");
    Path inbox = dataDir.resolve("teams").resolve(TEAM).resolve("inbox").resolve(AGENT);
    try (var files = Files.list(inbox)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
          .singleElement()
          .satisfies(n -> assertThat(n).endsWith("_" + sent.id() + ".json"));
    }
  }

  @Test
  void aReceiverTakesOneMessageAtATimeAndLeavesTheRestUnread() throws Exception {
    for (int i = 0; i < 3; i++) {
      senderSide.send(msg("leader", "m" + i));
    }
    assertThat(receiver.poll()).map(Message::body).contains("m0");
    receiver.close();
    assertThat(store().peek(AGENT).items()).extracting(Message::body).containsExactly("m1", "m2");
  }

  @Test
  void anUnreadableFileIsSkippedAndStaysInTheInbox() throws Exception {
    Path inbox = dataDir.resolve("teams").resolve(TEAM).resolve("inbox").resolve(AGENT);
    Files.createDirectories(inbox);
    Path bad = inbox.resolve("2000-01-01T00-00-00.000000+00-00_0badf00d.json");
    Files.writeString(bad, "{\"msg_id\": ");
    senderSide.send(msg("leader", "good"));

    assertThat(next().body()).isEqualTo("good");
    assertThat(bad).hasContent("{\"msg_id\": ");
    assertThat(store().history(AGENT).problems())
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEqualTo(bad));
  }
}
