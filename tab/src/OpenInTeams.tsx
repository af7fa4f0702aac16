import { Body1, Card, CardHeader, Subtitle1, Text, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({ card: { maxWidth: '36rem', padding: tokens.spacingHorizontalXL } });

/** Production, outside Teams: there is no sign-in here, only directions to the Teams app. */
export function OpenInTeams() {
  const styles = useStyles();
  return (
    <Card className={styles.card} role="region" aria-labelledby="open-in-teams-title">
      <CardHeader
        header={
          <Subtitle1 as="h1" id="open-in-teams-title">
            Please open Engagement Monitor in Microsoft Teams
          </Subtitle1>
        }
      />
      <Body1>
        Engagement Monitor signs you in through Teams, so it only works inside the Teams app. Open Teams, choose Apps, and find Engagement
        Monitor; your department administrator can help if it is not there yet.
      </Body1>
      <Text size={200}>Nothing is shown here, because student information is only available to signed-in staff of their department.</Text>
    </Card>
  );
}
