/**
 * A configuration file that cannot be used: the message names the file, the
 * entry and what is wrong with it, so an operator can fix it in one go. Each
 * kind of file has its subclass with its own stable `code`.
 */
export abstract class FileError extends Error {
  abstract readonly code: string;

  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where}: ${problem}`);
    this.name = new.target.name;
  }
}
