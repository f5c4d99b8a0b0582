package rules

// generalRules is the second table of poison-rules.md: malformations that
// break parsers in general, in catalogue order.
var generalRules = []Rule{
	ruleLineOver998,
	ruleBareLF,
	ruleBareCR,
	ruleNULByte,
	ruleHeaderCount,
	ruleBoundaryMissing,
	ruleBoundaryInvalid,
	ruleCloseBoundaryMissing,
	ruleTruncated,
	ruleDuplicateUnique,
	ruleEncodedWordInvalid,
	ruleDateInvalid,
	ruleDateMissing,
	rulePartsOver1000,
	ruleCTEInvalid,
	ruleEmptyFile,
	ruleNoMessage,
	ruleEnvelopeMissingRecipient,
	ruleEnvelopeMarkersBroken,
	ruleLoneDot,
}
