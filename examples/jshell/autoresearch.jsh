// The autoresearch team from JShell. Run it with the class path of the examples module:
//   jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/autoresearch.jsh
// It works in $NEMOSPAWN_DATA_DIR (else ~/.nemospawn).
import io.nemospawn.*;
import io.nemospawn.launch.*;
import java.time.Duration;

var ns = NemoSpawn.open();
var launcher = Launcher.of(ns);
var plan = launcher.plan(launcher.template("autoresearch"),
    LaunchOptions.builder().agentCommand("demo").runtime("process").build());
System.out.print(plan.toText());

var launch = launcher.start(plan);
var progress = launch.onProgress(p -> System.out.println(p.toText()));
var finished = launch.awaitFinished(Duration.ofMinutes(10));
var summary = launch.summary();
System.out.print(summary.toText());
progress.close();
launch.close();
ns.close();
/exit (finished && summary.succeeded()) ? 0 : 1
