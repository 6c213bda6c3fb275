// The quick start from JShell. Run it with the class path of the examples module:
//   jshell --class-path "$(cat examples/target/classpath.txt)" examples/jshell/quickstart.jsh
// It works in $NEMOSPAWN_DATA_DIR (else ~/.nemospawn).
import io.nemospawn.*;
import io.nemospawn.task.*;

var ns = NemoSpawn.open();
var team = ns.newTeam("quickstart").gpus(0, 1).create();
var train = team.tasks().create("train the model");
var eval = team.tasks().create(TaskSpec.of("evaluate").after(train.id()));
System.out.println("evaluate is " + team.tasks().get(eval.id()).state());
team.tasks().complete(train.id());
var state = team.tasks().get(eval.id()).state();
System.out.println("evaluate is now " + state);
team.inbox().send("trainer", "leader", "train done, val_loss 0.23");
team.inbox().receive("leader").forEach(m -> System.out.println(m.from() + " says: " + m.body()));
System.out.println(team);
ns.close();
/exit state == TaskState.PENDING ? 0 : 1
