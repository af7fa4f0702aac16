/**
 * The built-in phrase lists, drawn from published warning-sign guidance (Samaritans, NHS, Papyrus,
 * Mind): what people in crisis say is mostly indirect ("I don't want to be here", "everyone would be
 * better off without me"), so these lists cover the indirect forms as well as the direct ones.
 *
 * Pattern syntax: words are normalised exactly as messages are (see normalise.ts), so write them in
 * plain English ("can't", "kill myself"); ( | ) groups alternatives, ? makes the group before it
 * optional, ~ stands for up to three words, {name} inserts a macro below. Configured extra phrases
 * are plain words only and never patterns.
 */
export interface PhraseRule {
  tier: 'risk' | 'distress';
  /** What a reader is shown as the phrase that decided the tier. */
  label: string;
  pattern: string;
  /** The warning sign it stands for, for the documentation and the CLI. */
  kind: 'ideation' | 'self-harm' | 'plan or means' | 'harmed or unsafe' | 'hopelessness' | 'not coping' | 'overwhelmed' | 'configured';
  /** Two different hopelessness phrases in one message count as risk. */
  hopeless?: boolean;
}

export const MACROS: Readonly<Record<string, string>> = {
  want: '(want to|wanting to|wanted to|would like to|wish i could|wish to|feel like i want to|ready to|longing to|kind of want to)',
  intent:
    '(going to|gonna|will|i will|plan to|planning to|about to|ready to|thinking about|thinking of|think about|thought about|want to|tempted to|tried to|try to|trying to|could|should|might|may|just)',
  never: "(dont|don't|do not|never|no longer|not|really dont|honestly dont|just dont)",
  anymore: '(anymore|now|at all|like this|right now)',
  other:
    '(she|he|they|my (friend|mate|best friend|bestie|bff|flatmate|housemate|roommate|coursemate|course mate|classmate|boyfriend|girlfriend|partner|brother|sister|cousin)|a friend|a mate|someone i know|someone on my course|a girl on my course|a guy on my course)',
  partner:
    '(he|she|they|him|her|them|my (partner|boyfriend|girlfriend|husband|wife|ex|dad|father|mum|mom|mother|parents|stepdad|stepmum|brother|sister|flatmate|housemate|roommate|landlord|family|uncle|cousin|boss|manager))',
};

const risk = (kind: PhraseRule['kind'], label: string, pattern: string): PhraseRule => ({ tier: 'risk', kind, label, pattern });
const distress = (kind: PhraseRule['kind'], label: string, pattern: string, hopeless = false): PhraseRule => ({
  tier: 'distress',
  kind,
  label,
  pattern,
  ...(hopeless ? { hopeless: true } : {}),
});

export const BUILT_IN_RULES: readonly PhraseRule[] = [
  // Suicidal ideation, direct
  risk('ideation', 'suicide', 'suicide|suicidal|suicidality|take my (own )?life|taking my (own )?life|took my (own )?life'),
  risk(
    'ideation',
    'kill myself',
    '(kill|killing|killed|kil|end|ending|unalive|unaliving|off|offing|top|topping|shoot|shooting|die) myself|self delete|delete myself|i (will|want to|going to|im going to|might|could|should) (kill|end) me($| (now|tonight|today|soon))|(gun|rope|knife) (to|round|around) my (head|neck|throat)',
  ),
  risk('ideation', 'end my life', '(end|ending|finish|finishing) (my|this) life|(end|ending|end it) for good'),
  risk('ideation', 'unalive', 'unalive'),
  // "I want to die" in the languages most often heard among the UK's international students (Latin script)
  risk(
    'ideation',
    'want to die (another language)',
    'je veux mourir|je veux me suicider|envie de mourir|(me )?quiero morir|quiero (suicidarme|matarme)|voglio morire|voglio uccidermi|ich (will|möchte|moechte) (sterben|mich umbringen)|quero morrer|quero me matar|chcę umrzeć|chce umrzec|vreau să mor|vreau sa mor|mujhe marna hai|(main|mai) marna (chahta|chahti) (hoon|hu|hun)',
  ),
  // "ctb" (catch the bus) is how suicide is said where the word itself is filtered
  risk('ideation', 'ctb', 'ctb|ctbing|ctbd'),
  risk(
    'ideation',
    'want to die',
    '{want} (just |really |literally |honestly |simply )?(die|be dead|go to sleep forever|not be alive|not exist|stop existing|disappear forever|disappear for good|be gone forever|be gone for good|fall asleep forever|sleep forever|sleep and never wake up)|{want} (just )?(disappear|vanish|not be here)(?! (on|for|at|when|tomorrow|next|this|until|by|from|in|into|to|during|after|before|and|so))|(i|i just|i really) (want|wanna|wish) (die|dead|be dead)|(think|thinking|thought) (about|of) die|{want} end (of )?my life|{want} (just |really )?(dead|dye(?! (my|the|it|them|this|that|these|those|a|an|some|your|our|his|her|their|hair|clothes|fabric|wool|eggs|shirt|t shirt|top|jeans|hoodie|shoes|trainers|beard|eyebrows|roots|tips|fringe|black|blue|red|pink|purple|green|blonde|brown)))',
  ),
  risk(
    'ideation',
    'want to die',
    '(going|gonna) to die (tonight|today|soon|anyway|alone|by my own hand)|better off dead|rather be dead|id be better dead|i would be better dead|(better|easier) (if )?(im|i was|i were|i be|to be|i would be|i am) dead|might as well (be dead|die)|wish (i was|i were|to be|i could be) dead',
  ),
  // Indirect: the commonest ways it is said
  risk(
    'ideation',
    "don't want to be here",
    '({never}|no) (want to|wanna|wish to|want) (be here|be alive|live|exist|wake up|be around|be in this world|carry on|go on|keep going|keep living|do this anymore|do life)(?! (in|with|at|near|there|on|off|abroad|nearby|for|to|the|this|that|a|an|and a|alone in|together|till))',
  ),
  risk('ideation', "don't want to be here", '{never} (want to|wanna) be here(?! for)'),
  risk(
    'ideation',
    "don't want to live",
    '(not sure|dont know if|unsure if|unsure whether|dont know why|dont think|dont feel like) i (want to|wanna|should|even want to) (live|be alive|be here|carry on|go on|keep going|keep living|exist|wake up)(?! (in|with|at|near|there|on|off|abroad|for|to|the|that|a|an|alone in|together))|(cant|dont) see myself (being alive|alive|living|making it|surviving|getting through (this|the night|tonight))|(cant|dont) see myself (being here|being around)(?! (at|in|on|for (the|my|a)|doing|studying|after|this course|because|as|if))|({never}|no) (want to|wanna|want) live (this|my) life( anymore)?',
  ),
  risk(
    'ideation',
    "don't want to wake up",
    '(hope|wish|pray) i (dont|never|wouldnt|didnt) wake up|(go to sleep|sleep|fall asleep) and (never|not) wake up|never wake up again|not want to wake up|(rather|prefer to|prefer) not (to )?wake up|rather (i )?(not|never) wake up',
  ),
  risk(
    'ideation',
    'wish I was never born',
    'wish (i was|i had|i were|id) never (been )?born|shouldnt (have|of) (been born|existed)|wish i (didnt|did not|dont) exist|wish i could (stop existing|not exist|just not exist)|wish (i|id) (wasnt|werent|wasnt even|was not|were not) (alive|born|living|here|around)(?! (in|at|for|today|right now|on|this|with|to|when|because|so))',
  ),
  risk(
    'ideation',
    'better off without me',
    "(better|happier|easier) (off )?without me|better off if i (was|were|wasnt|werent|wasn't|weren't) (gone|dead|here|around|alive)|(wouldnt|won't|wont|would not) (even )?(miss|notice) (me(?! (leaving|leave|going|sneak|skip|if i left|if i skip))|if i (was|were) gone|if i died|if i disappeared)|nobody would (even )?(miss|notice) (me|if)|no one would (even )?(miss|notice) (me|if)|(im|i am|feel like|feel like im|feel|being|been|just|always|such) (such |a |just a |nothing but a |such a |a massive |a huge )?burden|burden (to|on) (everyone|my family|them|people|you)",
  ),
  risk(
    'ideation',
    'no reason to live',
    '(no|dont have a|dont have any|nothing) (reason|reasons|point) (to live|in living|to be alive|in being alive|to go on|in going on|to carry on|for living|to keep going|to stay)|nothing (left )?to live for|(no|lost (the|my|all)|lost all|dont have (the|any)) (wish|will|desire|want) to (live|be alive|go on|carry on|keep going|exist)|(whats|what is|wats) the point (of|in) (living|life|being alive|going on|carrying on|existing|waking up|me being here|even being here|anything anymore)|no point (in )?(living|being alive|existing|going on|carrying on)|(whats|what is|wats) (even )?the point (of|in) (me|my life|my existence)$|(whats|what is|wats) (even )?the point (of|in) me (being alive|being here|being around|existing|living|even existing|even being here|carrying on|going on)|(dont|cant|do not|no longer|never) see (the|any) point (of|in) (living|life|being alive|existing|going on|carrying on|waking up|me being here|anything anymore|any of it anymore|anything at all anymore|me)',
  ),
  risk(
    'ideation',
    "can't go on",
    "cant (go on|carry on|keep going)(?! (the|a|an|this|that|holiday|placement|my|to|with|it|at|in|tour|erasmus|from|for|past|through|until|til|without))|cant (take (it|this) (anymore|much more|any longer|any more)|take it$|take any more of this|do (this|it|life|any of this) anymore|live (like this|anymore)|keep living|face (another day|anything anymore|it anymore|life)|cope anymore|handle (this|it|life) anymore|be here anymore|be alive( anymore)?|exist anymore|live with (myself|this) anymore|stand (it|this|being alive|being me) anymore)|cant keep going (like this|anymore)|(dont|don't) know how (much longer|long) i can (go on|keep going|do this|hold on|keep this up)|(cant|can't|couldnt) (do|take) (this|it) any ?longer",
  ),
  risk(
    'ideation',
    'end it all',
    'end it all|ending it all|end everything|ending everything|{intent} (end|ending) (it|things|everything)(?! (on a|there|here for|early|with (him|her|them|my|the|a)|by|at|for today|off|with a))|(end|ending) (it|things) (tonight|now|today|for real|soon)|(make|want) (it|everything|the pain|all of this|this) (all )?(stop|end) (for good|forever|permanently)|want (it|everything|the pain|all of this|it all|this) (all )?to (stop|end)( forever| for good)?(?! [^ ]+ing| at| by| before| after| when| on| in| so)|wish (it|everything|it all) would (all )?(just )?(end|stop)|(want|wanted|wish|need|just want) (it|this|everything|it all|all of this|all this|the pain|life|my life) (all )?to be over( now| already| for good)?$|(wish|want) (it|everything|it all|life|my life) (was|were|would be) (all )?over$|want out of (this life|life|everything)|check out (of life|for good|permanently)',
  ),
  risk(
    'ideation',
    'giving up on life',
    'give up on (life|living)|giving up on (life|living|myself|everything)|given up on (life|living|myself|everything)',
  ),
  risk(
    'ideation',
    'life is not worth living',
    'life (isnt|is not|aint|not|is never|wont ever be|will never be) worth (it|living)|not worth living|not worth being alive|(tired|sick|done|so done|fed up) (of|with) (being alive|life|living|existing)|cant be bothered (to live|living|being alive|existing|to be alive)|(easier|better|simpler|happier) ~if i (just )?(wasnt|werent|was not|were not|was gone|were gone|wasnt around|werent around|wasnt here|werent here|died|disappeared|was dead|were dead|didnt exist)|(no one|nobody|who) (would|will|wouldnt|even) (care|notice|miss me|cry) (if|when) i (died|was gone|were gone|disappeared|wasnt here|killed myself|was dead)|i (just )?want out$|i want out of (this life|life|everything|this world)',
  ),
  risk(
    'plan or means',
    'the means to hand',
    '(pills|tablets|meds|paracetamol|painkillers) (are )?(ready|saved|saved up|stockpiled|hidden|lined up|all here|counted out)|enough (pills|tablets|paracetamol|painkillers|meds) to|(scared|afraid|worried|frightened) (i will|il|i might|i could|i may|im going to) (do something|do anything|hurt|harm|act on)|(do|doing) something to myself',
  ),
  risk(
    'ideation',
    'no way out',
    'no way out|dont see (a|any) way out|cant see (a|any) way out|only way out|(trapped|stuck) (and|with) no (way out|escape)|no escape',
  ),
  risk(
    'ideation',
    'thoughts of death',
    '(thinking|think|thought|thoughts) (about|of) not (waking up|being alive|existing|being around)|(thinking|think|thought|thoughts) (about|of) (dying(?! (my|your|her|his|the|a|it|them|hair|clothes))|death|ending it|not being here|not being alive|suicide|killing myself|ending my life|disappearing for good)|(dying|death) (would be|seems|sounds) (easier|better|like a relief|peaceful|nice)|planning my funeral',
  ),
  risk('ideation', 'deserve to die', 'deserve to die|dont deserve to (live|be alive|be here|exist)'),
  risk(
    'ideation',
    'do something stupid',
    '(do|doing|did) (something|anything) (stupid|silly|drastic|i regret|i might regret)|(scared|afraid|worried) (of|about) what i (might|could|will) do',
  ),
  risk(
    'ideation',
    'someone else at risk',
    '(kill|killing|unalive|unaliving|end|ending|hurt|hurting|harm|harming|cut|cutting) (himself|herself|themselves|themself)(?! (laughing|playing|at|in the gym|lifting|by accident|accidentally|on))|(he|she|they|my friend|my flatmate|my housemate) (is|are|s|re|seems|seem|might be|has been|have been) suicidal',
  ),
  // Self-harm
  risk(
    'self-harm',
    'self-harm',
    'self (harm|harming|harmed|injury|injuring|injure)(?! (prevention|awareness|research|training|policy|policies|module|lecture|seminar|essay|statistics|rates|services|support (services|team)|presentation|literature|in (adolescents|young people|prisons|the uk)))|sh (again|urges|relapse)|(relapsed|relapse|relapsing|did|done|doing|started|back to|urges to|urge to|clean from|days clean) (on |from |with )?(sh|self harm|cutting|harming)|(cut|cutting|burn|burning|burnt|burned|scratch|scratching|scratched|hit|hitting|punch|punching|punched|bite|biting|harm|harming|harmed|hurt|hurting|injure|injuring|punish|punishing|starve|starving|starved) (myself|my arms|my legs|my wrists|my thighs|my skin)(?! (shaving|cooking|on|chopping|playing|at|in the|by accident|accidentally|laughing|lifting|in the gym|at the gym|with a knife cooking))',
  ),
  risk(
    'self-harm',
    'hurt myself',
    '(hurt|hurting|harm|harming) (my ?self|me)(?! (laughing|in the gym|playing|at football|at the gym|at rugby|lifting))|(want|wanting|urge|urges|need|tempted) to (cut|hurt|harm|bleed|burn)|cutting again|cut again|started cutting|(fresh|new|deep) (cuts|scars|wounds)|hide (my|the) (cuts|scars)|(razor|razors|blade|blades) (to|for) (cut|hurt|harm)|hiding (the |my )?(razors|blades)|(bought|buy|got|took|take|hid) (a |some |new )?(razor|razors|razor blades|blade|blades|pencil sharpener blades)|(cut|cuts) on my (arm|arms|wrist|wrists|legs|thighs)|(i|ive|i have|just|finally|recently|have|and|so|but|now|then|again) (relapsed|relapse)(?! (on|into|with) (my (new years|resolution|diet|revision|sleep)|chocolate|sugar|caffeine|coffee|procrastination|bad habits|junk food|smoking|vaping))|^(relapsed|relapse|relapsing)|(burnt|burned|burning|cut|hurt|hit|scratched|bruised|punched|starved) (myself|me) on purpose|(until|till|til) (it|i|my [^ ]+|they) (bled|bleeds|bleed|bleeding|broke)|knife (blood|myself)|blood knife',
  ),
  // Someone else at risk: the student is told where to get help at once, and so is their tutor
  risk(
    'ideation',
    'someone else at risk',
    '{other} ~(said|says|told me|keeps saying|texted|messaged|posted|mentioned|is talking about|talks about|has been talking about|been talking about|keeps talking about) ~(wants|wanted|want|is going|going|gonna|will|plans|planning|is planning|is trying|tried|trying) to (die(?! of (embarrassment|laughter|boredom|cringe))|take (them|it) all|take all (her|his|their|the) (pills|tablets|meds)|overdose|jump|kill (herself|himself|themselves|themself)|end (it|it all|her life|his life|their life|things|everything)|not be here|disappear forever|hurt (herself|himself|themselves)|unalive)|(kill|killing|unalive|unaliving|hang|hanging) (herself|himself|themselves|themself)|(is|has been|keeps|been|started|is still|was|and) (hurting|harming|cutting|starving|burning) (herself|himself|themselves|themself)|self harming|{other} ~(doesnt|does not|didnt|did not) (want to|wanna) (be here|be alive|live|exist|wake up|go on|carry on)|(said|says) (goodbye|bye) and (wont|isnt|is not|not|hasnt|has not|doesnt) (answering|answer|replying|reply|picking up|pick up|responding|respond)',
  ),
  // A plan or the means
  risk(
    'plan or means',
    'overdose',
    // "i od'd" typed without the apostrophe is "i odd", never English otherwise
    'overdose|(i|ive|i have|just|nearly|almost|accidentally|she|he|they) odd|(take|taking|took|swallow|swallowing|swallowed|taken|down|downing|downed) (all|all of|a lot of|loads of|too many|a load of|the whole packet of|a whole packet of|the whole box of|a whole box of|the whole pack of|a whole pack of|the whole bottle of|a whole bottle of|a whole strip of|every one of|a handful of|handfuls of|a bunch of|a pile of|lots of|a lot) (my |the |of my |of the )?(pills|tablets|meds|medication|paracetamol|sleeping pills|antidepressants|painkillers)|(stockpiling|stockpile|saving up|saving|hoarding|collecting|bought|buying) (up )?(my |some |loads of |lots of |extra )?(pills|tablets|meds|paracetamol)|how many (pills|tablets|paracetamol|of my pills) (would|does it take|to|it takes|are)|(take|taking|took|swallow|swallowing|swallowed|taken|downed|had) ([5-9]|[1-9][0-9]+|ten|twelve|fifteen|twenty|thirty|forty|fifty|a hundred) (of my |of the |of |more )?(pills|tablets|meds|paracetamol|painkillers|sleeping pills|antidepressants|ibuprofen|co codamol|codeine|sertraline|citalopram|fluoxetine|amitriptyline|propranolol|diazepam|tramadol)|(take|taking|took|swallow|swallowing|swallowed|taken|downed) (all|all of|the rest of|too many of|loads of|a load of|a lot of|lots of|a handful of) (my |the |of my |of the )?(ibuprofen|co codamol|codeine|sertraline|citalopram|fluoxetine|amitriptyline|propranolol|diazepam|tramadol|insulin|quetiapine|mirtazapine|lithium)|(pills|tablets|meds|paracetamol|painkillers) ~(took|taken|swallowed|downed|take|swallow|taking|swallowing) (them all|all of them|the lot|the whole (lot|box|packet|bottle|pack)|all of it)|(took|taken|done|had|did) (way )?too (much|many) (mdma|ket|ketamine|coke|cocaine|ecstasy|molly|pingers|pills|acid|lsd|xanax|valium|spice|heroin|g|ghb|benzos|opioids)',
  ),
  risk(
    'plan or means',
    'a method',
    '(hang|hanging|hanged|hung) myself|(a |the )?noose|(bought|got|have|found|tie|tied|tying) (a )?rope|jump (off|from|in front of) (a |the |my )?(bridge|building|roof|cliff|balcony|train|car|bus|window|multi storey|car park)|jumping (off|from|in front of)(?! (the diving|a diving|the stage|the boat|the sofa|the bed))|standing (on|at) the edge|(thinking|thought|think|keep thinking) (of|about) (jumping|throwing myself|stepping in front)(?! (ship|in|into|on|to|at|the queue|the gun|ahead|up|back|across|over|around))|{intent} (just )?jump( off| from| in front of)?( (it|something|somewhere|here|now|tonight|right now))?$|jump (off|from) (something|somewhere|a height|the top of)|(im|i am|standing|stood|sitting|sat|been stood|been sitting) (on|at) (the|a|this) (bridge|roof|ledge|edge|cliff edge|cliff|railway|tracks|train tracks|rooftop)(?! (module|terrace|garden|bar|society|project|club|course|of (the|my) (essay|project|module)))|(step|walk|stepping|walking|throw myself|throwing myself) in front of (a|the) (train|bus|car|lorry|traffic|tube)|(slit|slitting|cut|cutting) my (wrists|wrist|throat)|(drown|drowning) myself|{intent} (just )?(walk|swim|go) (into|out into|out to|in to) the (sea|river|canal|lake|ocean|water|traffic)|(throw|throwing|threw|fling|hurl) myself (off|from|in front of|under|out of)|{intent} (just )?(crash|drive) my car( (into|off) [^ ]+)?$|(gas|poison|poisoning) myself|(drive|crash|crashing) (my car )?into (a wall|a tree|traffic)',
  ),
  risk(
    'plan or means',
    'a plan',
    '(have|got|made|making|make|working on|come up with|worked out) (a |the )?plan (to|for) (die|dying|end|ending|kill|killing|do it|suicide)|(written|writing|wrote|write|left) (a |my )?(suicide |goodbye |farewell )?(note|notes|letter|letters) (to|for) (everyone|my family|my parents|my mum|my dad|my friends|people)|(suicide|goodbye|farewell) (note|letter)|(giving|gave|given) away (all )?my (stuff|things|belongings|possessions)|(giving|gave|given|give) (all )?my (stuff|things|belongings|possessions) away|(saying|said|say) (my )?(final )?goodbyes|(saying|said|say) goodbye to (everyone|everybody|you all|the world)|(know|knows|figured out|worked out|decided) (how|when|where) (i|im going to|ill|i will|i would|id) (do it|end it|die)|(researching|looking up|looked up|googled|googling|searched|searching|reading about) (ways|how|methods) to (die|kill|end|overdose)|painless ways|(tonight|tomorrow) is the night|(today|tonight) is the day i (die|end it|do it)|this is goodbye|goodbye forever|(planning|planned|plan|worked out|working out|decided|figured out) how (to|i will|im going to|i would) (do it|die|end it|kill myself)|(ive|i have|ive got|i got|i made|i have got|i do have) a plan$|(got|have|bought|ive got|i have) (the|my|some|enough|all the|all my) (tablets|pills|paracetamol|rope|blades|razor blades|razors) (here|ready|with me|now|in my (room|bag|hand)|next to me|in front of me)|goodbye (everyone|everybody|all|world|cruel world)$|(im|i am) done (goodbye|bye|sorry|im sorry)|(i will|im going to|i am going to|i might|i may) be gone (forever|for good|by (the )?morning|soon(?! (for|to|on|because|as|so|and i|after|when|but)))|(dont think|doubt|not sure|dont know if) (i will|im going to|i am going to|i will still|i would) be (around|here|alive)(?! (for|at|on|in|next|this|tomorrow|until|till|during|over|because|as|to|when|by|until))|(wont|will not|not going to) be (around|here) (much longer|for long|anymore|after tonight)|i (might|may|probably) (not|wont|will not) be (around|here) (much longer|for (much )?long|anymore|after tonight)|i (wont|will not|am not going to|im not going to) be (a|your) (problem|burden|bother|worry) (to (you|anyone|anybody|everyone) )?((for )?(much longer|long)|anymore|soon)|(you|you all|nobody|no one|everyone) (wont|will not|will never|never) (have to|need to) (worry|deal) (about|with) me (soon|anymore|again|much longer|for (much )?long)|(wanted to|want to|just wanted to|just want to|came to) say goodbye and thank( you|s)? (you )?for everything|(this is my|my) (last|final) (message|goodbye)|last time (youll|you will|you) (hear|ever hear) from me|(sorry for everything|sorry for being a burden)|(decided|made my mind up) (to end|to die|to do it|its time)',
  ),
  // Being harmed or unsafe
  risk(
    'harmed or unsafe',
    'not safe',
    '(dont|do not|dont really|never) feel safe|(i|im|i am|i feel|feel|feeling|me|we|were) (not|isnt|no longer|never) safe(?! to (drive|cycle|ride|eat|use|swim|fly|climb|lift|operate))|not safe (at home|here|in my|with|around)|(i|im|i am|feel|feeling) unsafe|(cant|cannot|dont think i can|not sure i can|unable to|struggling to) keep (myself|me) safe|in danger(?! of)|(scared|afraid|frightened|terrified) (of {partner}|to go (home|back)|to be at home|to be alone with|for my life|of what (he|she|they) (will|might|could) do|of what (hell|shell|theyll) do|that {partner} (will|might|is going to|could))|(scared|afraid|frightened|terrified) (to )?(go )?home',
  ),
  risk(
    'harmed or unsafe',
    'being hurt by someone',
    '{partner} (hits|hit|beats|beat|beaten|hurts|hurt|kicked|kicks|slapped|slaps|punched|punches|chokes|choked|strangled|strangles|pushed|shoved|attacked|assaulted|raped|abuses|abused|touched|touches|grabbed|groped|gropes|locks|locked|threatened|threatens|stalks|stalked|forced|forces) me(?! up| with (a|an|the|some|loads of|lots of) ~(question|questions|email|emails|message|text|fine|bill|deadline|deadlines|task|tasks|assignment|assignments|reading|work))|(being|been|was|got|get|getting) (abused|assaulted|sexually assaulted|raped|attacked|beaten|beaten up|stalked|followed home|blackmailed|groomed|spiked|drugged|threatened|bullied|harassed|sextorted|hurt by)|(sexual|domestic|physical|emotional) (assault|abuse|violence)|abusive|(someone|somebody|{partner}) (is|keeps|has been|have been|are|kept|keep) (following|stalking|threatening|blackmailing|harassing|hurting|abusing|controlling|beating|hitting|kicking|punching|slapping|choking|strangling|touching|groping|turning up at|showing up at|tracking|watching) (me|my)|{partner} (wont|will not|doesnt|does not|dont|do not|never) let me (leave|go out|see (anyone|my friends|my family|people)|have (my|any) (own )?(money|phone)|out of (the|his|her|their) (house|flat|sight))|(forcing|forced|making|made|pressuring|pressured) me (to )?(marry|get married|have sex|sleep with|do things i)|forced (marriage|to marry)|{partner} (controls|takes|took) (all )?my (money|phone|passport)|(said|says|told me|threatened) (he|she|they|hed|shed|theyd) (will|would|is going to|going to|gonna|is gonna) (kill|hurt|hit|beat|stab) me|spiked (my drink|me)|(threatened|threatening|threatens|said (he|she|they) (will|would|d)) to (kill|hurt|harm|hit|beat) (me|himself|herself|themselves)|(told|tell|telling|tells|said|keep telling|keeps telling|say) me to (kill|unalive|kms|hurt) (myself|yourself)|(kill|unalive) yourself',
  ),
  risk(
    'harmed or unsafe',
    'nowhere safe to go',
    'nowhere (safe )?to (go|sleep|stay|live) (tonight|today|now)|(sleeping|sleep) (rough|on the street|on the streets|in my car) (tonight|now)|(kicked|thrown|locked) (me )?out (and|with) (nowhere|no where)|homeless (tonight|now)',
  ),

  // Distress: hopelessness
  distress(
    'hopelessness',
    "what's the point",
    '(whats|what is|wats) (even )?the point(?! (of|in) (this|the|these|doing (the|this)|reading|going to the|having) (module|modules|reading|readings|lecture|lectures|seminar|seminars|quiz|quizzes|assignment|exercise|question|meeting|form|survey|email|register|group|chat|lab|workshop|formative|mock|practice|attendance))|no point( in (anything|trying|anything anymore|it|going|doing anything))?|(cant|dont) see the point|(?<!(seminar|lecture|module|meeting|quiz|reading|exercise|workshop|lab|class|assignment|task|form|survey|session|tutorial|email|question|trip|that|this) ~)pointless|meaningless',
    true,
  ),
  distress(
    'hopelessness',
    'giving up',
    '(want to|feel like|feeling like|thinking (about|of)|ready to|going to|about to|might|might just|just|close to|so close to) (give|giving|quit|quitting) (up|on everything|everything)|(ive|have|i have) given up(?! (sugar|chocolate|meat|caffeine|coffee|alcohol|drinking|smoking|social media|[^ ]+ for))|i (just )?gave up on (everything|myself|trying|it all|life)|giving up on (everything|myself|it all|uni|life|my degree|my course|trying)|giving up$|i (just )?give up$|give up on (myself|everything|it all|trying)',
    true,
  ),
  distress(
    'hopelessness',
    'hopeless',
    'hopeless|hopelessness|(lost|losing|no|have no|dont have any|there is no|theres no) (all )?hope|no future|dont have a future|(never|not) (going to )?get (any )?better|nothing (is )?(ever )?(will get|gets|going to get|is getting|will ever get|gonna get) better|(its|things are|life is) never going to (change|get better|improve)|nothing (ever )?(matters|helps)( anymore)?|nothing i do (matters|helps|works|is good enough)|whats the use',
    true,
  ),
  distress(
    'hopelessness',
    'tired of everything',
    '(tired|sick|fed up|exhausted|done|so done) (of|with|by) (everything|it all|life|living|trying(?! to)|fighting|feeling like this|feeling this way|being me|being alive|being here|existing|myself)|(im|i am|i feel|feeling|feel) (so |just |completely )?done with (everything|it all|life)|(i )?hate (myself|my life|being alive|being me|existing|everything about me)',
    true,
  ),
  distress(
    'hopelessness',
    'worthless',
    'worthless|(im|i am|feel|feeling|feel like|i feel like) (so |such |a |completely |totally |just )?(useless|pathetic|a waste of space|a failure|a disappointment|not good enough|a mess|unlovable|a let down|a disgrace)(?! (at|with|when it comes|in))|failing at everything|(everyone|everybody) (hates|would hate) me',
    true,
  ),
  distress(
    'hopelessness',
    'trapped',
    '(feel|feeling|im|i am|so) trapped(?! (in (traffic|the lift|a lift)))|(feel|feeling|so) stuck(?! (on|in|with|at|behind|outside|inside))|(cant|dont) see (a|any) (future|way forward)|(dont|do not) know what to do (anymore|with myself)|(its|it is) (all )?over for me|(dont|do not) know how (to|i can|i will) (cope|carry on|keep going|go on|get through this|deal with (this|it|everything|life))',
    true,
  ),
  // Distress: not coping
  distress(
    'not coping',
    "can't cope",
    '(cant|cannot|unable to|not able to|struggling to|dont know how to|do not know how to|barely) cope|not coping|(cant|cannot|not) (handle|handling|manage|managing) (it|this|everything|anything|life|things)|barely (coping|holding on|hanging on|functioning|surviving|keeping it together|managing)|(cant|cannot) (function|think straight|stop crying|get out of bed|get up in the morning|face (anyone|people|uni|going in|lectures))|(falling|fell|coming) apart|(broke|breaking|break) down|breakdown|(mental|nervous) breakdown|(at|reached|reaching) (my )?(breaking point|my limit|the end of my (tether|rope))|end of my (tether|rope)|close to (breaking|the edge|my limit|snapping)|(on|over) the edge|(nobody|no one) (likes|wants|loves) me|(everyone|everybody) (hates|ignores|avoids) me|(havent|not|barely) been (sleeping|eating)( properly| well| much| at all)?$|(ive|i have|i) not been (sleeping|eating)|(feel|feeling) (so |completely |totally |really |just |a bit )?lost(?! (my|the|in (the|lectures|this|maths|stats|seminars)|on the|at|track|where|with (the|this)))|(cant|cannot|couldnt|scared to|too anxious to|afraid to) (leave|get out of) (my|the) (room|flat|house|bed)|(dont|do not) feel like (myself|me)( anymore)?|everything (is|keeps) going wrong|(im|i am|and|feel|feeling) (so |really |just )?miserable|(im|i am|feel|feeling|totally|completely|so) (burnt|burned) out|cant (do|take) (this|it)( much longer| any longer)?(?! (maths|math|question|questions|problem|problems|exercise|exercises|equation|equations|quiz|sum|sums|worksheet|bit|part|puzzle|crossword|level|code|program|one|on (my|a) (laptop|phone|computer)|online))|(i )?(just )?cant anymore',
  ),
  distress(
    'not coping',
    'struggling',
    '(really|so|seriously|massively|badly|properly|honestly|quite|genuinely|very) struggling|struggling (so much|a lot|badly|mentally|emotionally|with everything|with life|with my mental health|with my mh|with myself|to get through|to keep going|to function|to get out of bed|to see the point|more than ever)|(im|i am|been|have been|ive been) struggling(?! (with|to|on|in|a bit|slightly|a little))|(im|i am|i feel|feeling|been|honestly|really|just|things are|everything is|im honestly|im really|im just|im so|im genuinely) not (ok|okay|alright|fine|good|great|doing (well|ok|okay|great|good))(?! (at|with|to|enough|if|for))|^(honestly |really |just )?not (doing )?(ok|okay|good|great|well)(?! (at|with|to|enough|if|for))|(having|had|going through) (a )?(really |very |such a |so |pretty |quite )?(hard|rough|tough|difficult|awful|horrible|terrible|shit|crap|bad) (time|few weeks|few days|week|patch|month|term)(?! (with (the|my|this|referencing|moodle)|finding|getting|understanding|logging|accessing|submitting))|(things|life|everything|uni life) (is|are|has been|have been|feels|feel|seems) (really |so |very |just |pretty |quite |incredibly )?(hard|tough|difficult|rough|awful|shit|horrible|unbearable|bleak)(?! (to|without (a|an|my)|when (the|your|you)))|not in a good (place|way|headspace)|(mental health|my mh|mentally|my head) (is|has been|isnt|is not|feels)? ?(bad|awful|terrible|really bad|rough|shit|horrible|declining|getting worse|spiralling|all over the place|a mess|not good|not great|in pieces)|spiraling|spiralling|spiral(ing|ling)? (out|down)|(in a )?(dark|bad) (place|way|headspace|time|thoughts)|dark thoughts|intrusive thoughts|bad thoughts|(really|so|quite|very|pretty|extremely|constantly|always) (low|down|depressed|empty|numb|lonely|alone|isolated|miserable)(?! (to|for|with|on|in|the|about|key|grade|marks|score))|depressed|(?<!(reading|readings|essay|lecture|lectures|module|seminar|research|paper|article|study|studies|book|chapter|presentation|talk|report|assignment|dissertation|film|documentary|podcast|course|training|workshop|project) (on|about|into|of) )depression|(feel|feeling|felt) (so |really |completely |totally |very )?(empty|numb|nothing|alone|invisible|broken|low|down|miserable|isolated|hollow|dead inside)(?! (to|for|with|on|about|when))|dead inside|(so|really|very|always|constantly|extremely|incredibly|super|feel|feeling|felt|been|just) (so |really |very |incredibly )?sad(?! (that|about|to|the|for|when|because|cause|we|you|it|its|news|film|song|ending|but|i missed|i cant make))|sad all the time|(nobody|no one) (talks|speaks|texts|messages|speaks) to me|lonely|no one (cares|would care|understands|to talk to|listens|checks on me)|nobody (cares|would care|understands|to talk to|listens|checks on me)|(no|dont have any|havent got any) (friends|one to talk to|one i can talk to)|all alone|completely alone|so alone',
  ),
  distress(
    'not coping',
    'cannot sleep or eat',
    'so stressed i (cant|cannot)|(stress|stressed|anxious|anxiety|worry|worried|worrying|upset|sad|crying|scared) ~(i )?(cant|havent been able to|couldnt) (sleep|eat)|(cant|cannot|havent been able to) (sleep|eat) (or|and|nor) (sleep|eat)|(havent|hasnt|not|barely|cant|couldnt) (slept|sleeping|sleep|eaten|eating|eat) (properly |much |at all |in days|for days|for weeks|since|anything)?(in days|for days|for weeks|in weeks|properly|at all|since)|(havent|not) (left|been out of) my (room|flat|bed|house)|(cant|dont) (stop|help) (to )?(crying|cry)|(cry|cried|crying) (all the time|every day|every night|constantly|non stop|nonstop|myself to sleep|all day|all night|for hours)|keep crying|(in|into) tears|sobbing',
  ),
  distress(
    'not coping',
    'want to disappear',
    '{want} (just )?(disappear|vanish)(?! (into (a|my|the) (book|film|game|series|show|novel|library|duvet|bed|crowd)|to (the|a|my|spain|france|bed|sleep)|for (the|a) (weekend|day|holiday|week)|off to))|(want to|wanna|wish i could) (just )?run away (from (it all|everything|here|my life|everyone|myself)|and never come back)|(want to|wanna|wish i could) (just )?run away$',
  ),
  // Eating, drink and drugs
  distress(
    'not coping',
    'eating',
    'eating disorder|anorexia|anorexic|bulimia|bulimic|binge eating|(cant|cannot|couldnt) stop (binging|bingeing|binge eating|eating)|(binge|binging|bingeing) ~(purge|purging|throw up|throwing up|make myself sick|making myself sick|am sick|get sick)|purging|(make|making|made|makes) myself (sick|throw up|vomit)|(throw|throwing|threw) up after (eating|meals|every meal|food|i eat)|(hate|hating|disgusted by|disgusted with) my body|(scared|afraid|terrified|frightened) (of|to) (eat|eating|food|gain weight|gaining weight|put on weight)|counting every calorie|(stopped|stop|not|barely) eating( anything)?( at all| properly| for days)?$|(havent|not|barely) eaten (in|for) (days|a week|weeks)',
  ),
  distress(
    'not coping',
    'drink or drugs',
    '(cant|cannot|couldnt) stop (drinking|using|taking (drugs|pills|coke|ket|mdma)|gambling|smoking weed)|(my |the )?(drinking|drug use|using|gambling|ket use|coke use) (is )?(out of control|getting worse|every day|every night|too much)|(drinking|using|taking drugs|smoking weed) (to cope|to forget|to numb|to sleep|every day|every night|alone every)|(been|started|keep|keeps) using (again|every day|daily|every night)|(addicted|addiction) to(?! (coffee|caffeine|tea|netflix|tiktok|this (show|series|game|song)|chocolate|red bull|energy drinks|the gym|football))|addiction|(drug|drinking|alcohol|gambling) problem|problem with (drink|drinking|alcohol|drugs|gambling)',
  ),
  distress(
    'not coping',
    'need to talk to someone',
    '(need|want|needed) (to talk to|to speak to|someone to talk to|somebody to talk to|someone to speak to)( someone| somebody| anyone)?(?!( someone| somebody| anyone| you)? about (the|my|an|a|some|changing|switching) ~(essay|module|course|assignment|project|dissertation|timetable|deadline|extension|marks|grade|grades|placement|form|fees|exam|exams))|(need|want) (some )?(help|support) (with|for) (my mental health|my mh|how im feeling|how i feel|everything|myself|my feelings|my head|life)|please talk to me|^(goodbye|bye forever|farewell)$|^(please )?help( me)?( please)?$|please help me$|i (really )?need help(?! (with|on|for|finding|to|understanding|accessing|getting))$',
  ),
  distress(
    'not coping',
    'panic',
    'panic attack|panic attacks|panicking|anxiety attack|anxiety attacks|(cant|cannot|couldnt) breathe|(my )?anxiety (is|has been) (so |really )?(bad|awful|through the roof|out of control|unbearable)|(constantly|always) (anxious|scared|frightened|afraid)|anxious all the time|scared of (everything|the future|myself|what i might do|what ill do|my own thoughts)|sick with (anxiety|worry|stress|nerves) (every day|all the time|constantly|every morning)|(anxiety|anxious|panic|panicky) (every day|all the time|constantly|every morning|every night)|^(im|i am|i feel|feeling|im just|im really) (so |really |very |just )?(scared|frightened|terrified)$',
  ),
  distress(
    'not coping',
    'grief or loss',
    '(?<!(laptop|phone|battery|computer|charger|printer|car|wifi|internet|router|headphones|speaker|plant|plants|fish|goldfish|hamster|tablet|ipad|mac|macbook|pc|mouse|keyboard|screen|monitor|kindle) )(died|passed away) (last|this|on(?! (me|us|my|the))|yesterday|recently|a few|over)|(lost|losing) my (mum|mom|dad|mother|father|nan|gran|grandma|grandad|grandpa|grandmother|grandfather|brother|sister|friend|best friend|baby|partner|dog|cat)|(my )?(mum|mom|dad|mother|father|nan|gran|grandma|grandad|grandpa|grandmother|grandfather|brother|sister|best friend|friend|partner) (died|passed away|is dying|has cancer|is in hospital|killed (himself|herself))|funeral|grief|grieving|bereaved|bereavement|miscarriage',
  ),
  distress(
    'not coping',
    'thinking of dropping out',
    '(thinking|think|thought|considering) (about|of)? ?(dropping out|quitting uni|quitting university|leaving uni|leaving university|quitting my course|leaving my course|withdrawing)|(want|going|need) to (drop out|quit uni|quit university|leave uni|leave university|quit everything)|dropping out',
  ),
  distress(
    'not coping',
    'money or housing crisis',
    '(cant|cannot|couldnt) afford (food|to eat|rent|my rent|anything|to live|to get home)|(cant|cannot|couldnt) pay (my )?(rent|bills|for food)|{partner} (kicked|threw|has thrown|have thrown|kicking|are kicking|is kicking) me out|(kicked|thrown) out (of|by) (my|our) (home|house|flat|parents|family)|(havent|not) (got|have) (any )?(money|food) (for|to|left)|no money (for|left)|(drowning|in so much|in) debt|(being |been |getting )?evicted|eviction|(lost|losing) my (home|room|accommodation)|homeless|nowhere to live',
  ),
  // A message of sad faces and nothing else (see normalise.ts: read only when emoji are read as words)
  distress('not coping', 'sad faces', '^(sademoji )*sademoji$'),
  // Distress: overwhelmed
  distress(
    'overwhelmed',
    'overwhelmed',
    'overwhelmed|overwhelming|(everything|it all|it|life|things|uni|this|everything in my life) (is|s|are|feels|seems|has become|is becoming|just feels|is just|is all) (just )?(all )?too much|its (all )?(just )?too much|too much (for me|to handle|to cope with)|(drowning|sinking|buried|snowed under) (in|under)? ?(work|everything|deadlines|it all)?|(so|completely|totally|utterly|really) (burnt|burned|worn) out|burnout|burn out|(emotionally|mentally) (exhausted|drained|broken|done)|exhausted all the time|(stressed|anxious) (out of my mind|beyond belief|to the point)|(cant|cannot) (keep up|keep on top of anything) (with anything|anymore)|(everything|life) is (falling apart|a mess|too hard|so hard|unbearable)|(feel|feeling) like (im|i am) (losing it|drowning|sinking|suffocating|going under|falling apart|losing my mind|going crazy|going mad)|losing my mind|going (crazy|mad|insane)(?! (for|over))',
  ),
];
