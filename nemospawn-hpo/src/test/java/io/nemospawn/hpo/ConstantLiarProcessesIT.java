package io.nemospawn.hpo;

/** {@link ConstantLiarProcessesContract} on a journal study. */
class ConstantLiarProcessesIT extends ConstantLiarProcessesContract {
  @Override
  protected Class<JournalStorageIT.Opener> opener() {
    return JournalStorageIT.Opener.class;
  }

  @Override
  protected String fileName() {
    return "shared.journal";
  }
}
