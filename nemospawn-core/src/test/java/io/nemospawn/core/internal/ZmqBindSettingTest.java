package io.nemospawn.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.ConfigKey;
import io.nemospawn.Transport;
import java.net.URI;
import org.junit.jupiter.api.Test;

/** The zmq_bind setting: loopback by default, anything else explicit. */
class ZmqBindSettingTest {
  @Test
  void defaultIsLoopbackAndOtherAddressesAreApplied() {
    assertThat(ConfigKey.ZMQ_BIND.defaultValue()).isEqualTo("127.0.0.1");
    assertThat(FileInbox.withZmqBind(Transport.auto(), "127.0.0.1"))
        .isEqualTo(Transport.auto(URI.create("tcp://127.0.0.1:0")));
    assertThat(FileInbox.withZmqBind(Transport.zmq(), "127.0.0.1"))
        .isEqualTo(Transport.zmq(URI.create("tcp://127.0.0.1:0")));
    assertThat(FileInbox.withZmqBind(Transport.auto(), "0.0.0.0"))
        .isEqualTo(Transport.auto(URI.create("tcp://0.0.0.0:0")));
    assertThat(FileInbox.withZmqBind(Transport.zmq(), " 10.0.0.5 "))
        .isEqualTo(Transport.zmq(URI.create("tcp://10.0.0.5:0")));
    assertThat(FileInbox.withZmqBind(Transport.zmq(), "tcp://10.0.0.5:5555"))
        .isEqualTo(Transport.zmq(URI.create("tcp://10.0.0.5:5555")));
    assertThat(FileInbox.withZmqBind(Transport.zmq(), "::1"))
        .isEqualTo(Transport.zmq(URI.create("tcp://[::1]:0")));
    // An endpoint named by the transport setting itself wins; files and shm are untouched.
    Transport explicit = Transport.zmq(URI.create("tcp://127.0.0.1:7000"));
    assertThat(FileInbox.withZmqBind(explicit, "0.0.0.0")).isEqualTo(explicit);
    assertThat(FileInbox.withZmqBind(Transport.file(), "0.0.0.0")).isEqualTo(Transport.file());
  }

  @Test
  void aBadAddressIsRefusedNamingItAndWhatToUse() {
    for (String bad : new String[] {"", "a b", "http://x", "/tmp/sock"}) {
      assertThatThrownBy(() -> ConfigStore.validate(ConfigKey.ZMQ_BIND, bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("Invalid zmq_bind '" + bad + "': use an address such as 127.0.0.1 (this"
              + " host only) or 0.0.0.0, or an endpoint such as tcp://10.0.0.5:5555");
    }
  }
}
