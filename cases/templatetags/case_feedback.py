from django import template

register = template.Library()


@register.filter
def feedback_for(panel, rule):
    """The feedback region of one line: `panel` is a cases.views.FeedbackPanel, `rule` the line's rule id."""
    return panel.for_line(rule)
