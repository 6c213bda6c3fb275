package io.nemospawn.demo.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingTest {
  private static final Dataset.Splits DATA = Dataset.generate(7);

  @Test
  void dataIsSeededAndSplit() {
    Dataset.Splits again = Dataset.generate(7);
    assertThat(again.train().features()).isEqualTo(DATA.train().features());
    assertThat(DATA.train().size()).isEqualTo(2400);
    assertThat(DATA.validation().size()).isEqualTo(600);
    assertThat(DATA.test().size()).isEqualTo(1000);
    assertThat(Dataset.generate(8).train().features()).isNotEqualTo(DATA.train().features());
  }

  @Test
  void hyperparametersMatter() {
    double good = fit(new Training.Hyper(0.3, 48, 1e-5, 32));
    double tiny = fit(new Training.Hyper(0.3, 2, 1e-5, 32));
    double slow = fit(new Training.Hyper(0.001, 48, 1e-5, 256));
    double decayed = fit(new Training.Hyper(0.3, 48, 0.1, 32));
    assertThat(good).isLessThan(0.3);
    assertThat(tiny).isGreaterThan(good + 0.2);
    assertThat(slow).isGreaterThan(good + 0.3);
    assertThat(decayed).isGreaterThan(good + 0.3);
  }

  @Test
  void listenerSeesEveryEpochAndCanStop() {
    List<Double> seen = new ArrayList<>();
    Training.Result r = Training.run(
        new Training.Hyper(0.1, 16, 1e-4, 64),
        DATA.train(),
        DATA.validation(),
        12,
        1,
        (e, loss) -> {
          seen.add(loss);
          return e == 3;
        });
    assertThat(seen).hasSize(3);
    assertThat(r.stopped()).isTrue();
    assertThat(r.epochs()).isEqualTo(3);
    assertThat(r.valLoss()).isEqualTo(seen.get(2));
  }

  @Test
  void checkpointRoundTripsAndScoresTheSame(@TempDir Path dir) {
    Training.Result r = Training.run(
        new Training.Hyper(0.1, 16, 1e-4, 64),
        DATA.train(),
        DATA.validation(),
        3,
        1,
        (e, loss) -> false);
    r.model().write(dir.resolve("ck.bin"));
    Mlp back = Mlp.read(dir.resolve("ck.bin"));
    assertThat(back.loss(DATA.test())).isEqualTo(r.model().loss(DATA.test()));
    assertThat(back.accuracy(DATA.test())).isEqualTo(r.model().accuracy(DATA.test()));
    DATA.test().write(dir.resolve("test.bin"));
    assertThat(Dataset.read(dir.resolve("test.bin")).labels())
        .isEqualTo(DATA.test().labels());
  }

  private static double fit(Training.Hyper hp) {
    return Training.run(hp, DATA.train(), DATA.validation(), Training.EPOCHS, 1, (e, loss) -> false)
        .valLoss();
  }
}
