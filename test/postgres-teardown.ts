import { stopPostgresState } from './helpers/postgres-server';

/** Jest globalTeardown: stops this run's PostgreSQL server, if a test started one, whether the tests passed or not. */
export default function postgresTeardown(): void {
  stopPostgresState();
}
