from django import template

from ..line_feedback import csrf_field, line_feedback_html

register = template.Library()


@register.simple_tag(takes_context=True)
def line_feedback(context, line):
    """The feedback region of one line (cases.line_feedback): needs `feedback_panel` (a cases.views.FeedbackPanel)
    and `id_prefix` in the context."""
    entry = context["feedback_panel"].for_line(line.rule)
    return line_feedback_html(line, entry, id_prefix=context.get("id_prefix"), csrf_field=csrf_field(context))
