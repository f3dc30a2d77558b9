"""Answer library, questionnaire import, auto-fill, responses and write-back."""
