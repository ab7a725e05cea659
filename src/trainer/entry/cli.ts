/** Entry point of the `vaerec` command (dist/cli.js); the commands live in ../cli/. */
import { main } from '../cli/program';

void main(process.argv);
