import { startConnectorStandIn, TEAMS_LIMITS } from '../tests/support/connector-standin';

/**
 * The stand-in connector in a process of its own, as the real service is remote: its clock and
 * event loop are not the sender's. Prints its service URL, then serves until killed.
 */
startConnectorStandIn(TEAMS_LIMITS).then(
  (connector) => console.log(connector.serviceUrl),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
