package io.nemospawn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;

class TransportTest {
  @Test
  void parsesConfigValues() {
    assertThat(Transport.parse("auto")).isEqualTo(Transport.auto());
    assertThat(Transport.parse(" FILE ")).isEqualTo(Transport.file());
    assertThat(Transport.parse("shm")).isEqualTo(Transport.sharedMemory());
    assertThat(Transport.parse("nixl")).isEqualTo(Transport.sharedMemory());
    assertThat(Transport.parse("zmq")).isEqualTo(Transport.zmq(URI.create("tcp://127.0.0.1:0")));
    assertThat(Transport.parse("tcp://127.0.0.1:5555"))
        .isEqualTo(Transport.zmq(URI.create("tcp://127.0.0.1:5555")));
    assertThat(Transport.parse("zmq").configName()).isEqualTo("zmq");
  }

  @Test
  void rejectsUnknownValuesNamingTheAlternatives() {
    assertThatThrownBy(() -> Transport.parse("carrier-pigeon"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown transport 'carrier-pigeon'; use auto, file, zmq, shm or a ZeroMQ"
            + " endpoint such as tcp://0.0.0.0:0");
    assertThatThrownBy(() -> Transport.zmq(URI.create("http://x")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid ZeroMQ endpoint 'http://x': the scheme must be tcp, ipc or inproc,"
            + " such as tcp://0.0.0.0:0");
  }

  @Test
  void resolveUsesTheConfigValueWhenTheEnvironmentIsSilent() {
    String env = System.getenv(Transport.ENV);
    if (env == null || env.isBlank()) {
      assertThat(Transport.resolve("file")).isEqualTo(Transport.file());
      assertThat(Transport.resolve(null)).isEqualTo(Transport.auto());
    } else {
      assertThat(Transport.resolve("file")).isEqualTo(Transport.parse(env));
    }
  }
}
