import { preparePostgresState } from './helpers/postgres-server';

/** Jest globalSetup: where this run's PostgreSQL server will live if a test asks for one (helpers/postgres-server.ts). */
export default function postgresSetup(): void {
  preparePostgresState();
}
