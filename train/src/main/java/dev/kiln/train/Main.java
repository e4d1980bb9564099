package dev.kiln.train;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code kiln} command line. Each job Kiln does for a user (train, demo, synth, convert, predict, plugin,
 * bench) is a picocli subcommand registered here; {@code ./kiln} at the repository root runs this class.
 */
@Command(name = "kiln", mixinStandardHelpOptions = true, version = "kiln 0.1.0",
    description = "Kiln: train models from Java on TPUs, GPUs and CPUs.",
    subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }
}
