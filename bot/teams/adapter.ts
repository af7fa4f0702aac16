import {
  CardFactory,
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConfigurationServiceClientCredentialFactory,
  MessageFactory,
  type ConversationReference,
} from 'botbuilder';
import type { Config } from '../config';
import type { AdaptiveCard } from './cards';

/** Builds the CloudAdapter; with no app id the bot runs anonymously, as the Agents Playground expects. */
export function createAdapter(config: Config['bot']): CloudAdapter {
  const credentials = new ConfigurationServiceClientCredentialFactory({
    MicrosoftAppId: config.appId,
    MicrosoftAppPassword: config.appPassword,
    // With no app id the bot is anonymous (the Agents Playground); botbuilder only accepts that as MultiTenant.
    MicrosoftAppType: config.appId ? config.appType : 'MultiTenant',
    MicrosoftAppTenantId: config.tenantId,
  });
  return new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}, credentials));
}

export interface SentActivity {
  activityId: string | null;
  conversationId: string;
}

/** Sends proactive cards into a stored conversation. */
export interface CardSender {
  sendCard(reference: Partial<ConversationReference>, card: AdaptiveCard): Promise<SentActivity>;
}

export function createCardSender(adapter: CloudAdapter, appId: string): CardSender {
  return {
    async sendCard(reference, card) {
      let sent: SentActivity = { activityId: null, conversationId: reference.conversation?.id ?? '' };
      await adapter.continueConversationAsync(appId, reference, async (context) => {
        const response = await context.sendActivity(MessageFactory.attachment(CardFactory.adaptiveCard(card)));
        sent = { activityId: response?.id ?? null, conversationId: context.activity.conversation.id };
      });
      return sent;
    },
  };
}
